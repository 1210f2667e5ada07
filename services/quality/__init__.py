"""Quality feedback: the fault file of every event, rulings, claims, recurring defects."""
