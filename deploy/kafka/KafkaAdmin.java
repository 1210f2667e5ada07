// Topic administration for kafka.sh, in one JVM on the Kafka client jars (no Python, and one
// JVM start instead of one TopicCommand per topic). kafka.sh compiles it into the cache.
//
//   java KafkaAdmin ensure   BOOTSTRAP TIMEOUT_SECONDS NAME:PARTITIONS...
//       wait until the broker answers metadata requests, create missing topics (RF 1),
//       grow topics that have fewer partitions, wait until every partition has a leader.
//   java KafkaAdmin describe BOOTSTRAP
//       print every non-internal topic with its partition count and replication factor.

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

public final class KafkaAdmin {
    private KafkaAdmin() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            die("usage: KafkaAdmin ensure BOOTSTRAP TIMEOUT_S NAME:PARTITIONS... | describe BOOTSTRAP");
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
        // Short timeouts: we poll in a loop ourselves and want a clear error when it is down.
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        try (Admin admin = Admin.create(props)) {
            switch (args[0]) {
                case "ensure":
                    if (args.length < 3) {
                        die("usage: KafkaAdmin ensure BOOTSTRAP TIMEOUT_S NAME:PARTITIONS...");
                    }
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
                    Map<String, Integer> wanted = parseSpecs(args, 3);
                    waitForMetadata(admin, deadline, args[1]);
                    ensureTopics(admin, wanted);
                    waitForLeaders(admin, wanted.keySet(), deadline);
                    break;
                case "describe":
                    describe(admin);
                    break;
                default:
                    die("unknown command: " + args[0]);
            }
        } catch (Exception e) {
            die(args[0] + " failed: " + rootMessage(e));
        }
    }

    private static Map<String, Integer> parseSpecs(String[] args, int from) {
        Map<String, Integer> wanted = new LinkedHashMap<>();
        for (int i = from; i < args.length; i++) {
            String[] parts = args[i].split(":", 2);
            int partitions = parts.length == 2 ? Integer.parseInt(parts[1]) : 1;
            if (parts[0].isEmpty() || partitions < 1) {
                die("bad topic spec: " + args[i]);
            }
            wanted.put(parts[0], partitions);
        }
        return wanted;
    }

    // A describeCluster round trip is a metadata request: success means the broker serves clients.
    private static void waitForMetadata(Admin admin, long deadline, String bootstrap) throws InterruptedException {
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = rootMessage(e);
            }
            Thread.sleep(200);
        }
        die("broker at " + bootstrap + " did not answer a metadata request in time: " + last);
    }

    private static void ensureTopics(Admin admin, Map<String, Integer> wanted) throws Exception {
        Set<String> existing = admin.listTopics().names().get();
        List<NewTopic> toCreate = new ArrayList<>();
        for (Map.Entry<String, Integer> e : wanted.entrySet()) {
            if (!existing.contains(e.getKey())) {
                toCreate.add(new NewTopic(e.getKey(), e.getValue(), (short) 1));
            }
        }
        if (!toCreate.isEmpty()) {
            for (Map.Entry<String, KafkaFuture<Void>> r : admin.createTopics(toCreate).values().entrySet()) {
                try {
                    r.getValue().get();
                    System.out.println("created topic " + r.getKey() + " (" + wanted.get(r.getKey()) + " partitions)");
                } catch (ExecutionException ex) {
                    // Someone else created it between our list and create: that is fine.
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex;
                    }
                }
            }
        }
        // Partitions can only grow; grow topics created earlier with a smaller count.
        Map<String, NewPartitions> grow = new TreeMap<>();
        for (TopicDescription d : describeAll(admin, wanted.keySet()).values()) {
            int want = wanted.get(d.name());
            if (d.partitions().size() < want) {
                grow.put(d.name(), NewPartitions.increaseTo(want));
            }
        }
        if (!grow.isEmpty()) {
            admin.createPartitions(grow).all().get();
            System.out.println("grew partitions of " + grow.keySet());
        }
    }

    // Producers right after `kafka.sh start` should not see LEADER_NOT_AVAILABLE.
    private static void waitForLeaders(Admin admin, Collection<String> topics, long deadline) throws Exception {
        while (true) {
            List<String> pending = new ArrayList<>();
            for (TopicDescription d : describeAll(admin, topics).values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    if (p.leader() == null) {
                        pending.add(d.name() + "-" + p.partition());
                    }
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                die("partitions without a leader: " + pending);
            }
            Thread.sleep(100);
        }
    }

    private static Map<String, TopicDescription> describeAll(Admin admin, Collection<String> topics) throws Exception {
        return admin.describeTopics(topics).allTopicNames().get();
    }

    private static void describe(Admin admin) throws Exception {
        Set<String> names = new TreeSet<>();
        for (TopicListing l : admin.listTopics().listings().get()) {
            names.add(l.name());
        }
        for (TopicDescription d : new TreeMap<>(describeAll(admin, names)).values()) {
            int rf = d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size();
            System.out.println(d.name() + "\tpartitions=" + d.partitions().size() + "\treplication=" + rf);
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private static void die(String message) {
        System.err.println("KafkaAdmin: " + message);
        System.exit(1);
    }
}
