"""The one library every FleetCare service uses: events, Kafka, outbox, inbox, database, auth."""
