package org.inginious.grading.placement.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.inginious.grading.placement.nodes.TestNodes.rich;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.inginious.grading.testing.MockCluster;
import org.junit.jupiter.api.Test;

/** The store keeps slim Nodes under the informer's keys; an informer given it caches slim Nodes. */
class SlimNodeStoreTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @Test
  void storesSlimNodesUnderTheirName() {
    SlimNodeStore store = new SlimNodeStore();
    Node node = rich("gpu-1");
    String key = store.getKey(node);

    assertThat(key).isEqualTo("gpu-1");
    assertThat(store.put(key, node)).isNull();
    assertThat(store.get(key)).isEqualTo(SlimNodes.slim(node));
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.keySet()).containsExactly("gpu-1");
    assertThat(store.values()).containsExactly(SlimNodes.slim(node));
    assertThat(store.isFullState()).isTrue();

    Node heartbeat = rich("gpu-1");
    heartbeat.getMetadata().setResourceVersion("123457");
    assertThat(store.put(key, heartbeat)).isEqualTo(SlimNodes.slim(node));
    assertThat(store.get(key).getMetadata().getResourceVersion()).isEqualTo("123457");

    assertThat(store.remove(key)).isEqualTo(SlimNodes.slim(heartbeat));
    assertThat(store.size()).isZero();
    assertThat(store.get(key)).isNull();
  }

  /**
   * The hook the operator wires: SharedIndexInformer.itemStore, which JOSDK's withItemStore calls.
   */
  @Test
  void anInformerWithTheStoreCachesSlimNodesAndHandsHandlersTheFullOne() {
    try (MockCluster cluster = new MockCluster()) {
      Node created = cluster.client().resource(withoutVersion(rich("gpu-1"))).create();
      List<Node[]> updates = new CopyOnWriteArrayList<>();
      SharedIndexInformer<Node> informer =
          cluster.client().nodes().runnableInformer(0).itemStore(new SlimNodeStore());
      informer.addEventHandler(
          new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {}

            @Override
            public void onUpdate(Node before, Node after) {
              updates.add(new Node[] {before, after});
            }

            @Override
            public void onDelete(Node node, boolean deletedFinalStateUnknown) {}
          });
      try {
        informer.start();
        await().atMost(TIMEOUT).until(() -> informer.getStore().getByKey("gpu-1") != null);
        Node cached = informer.getStore().getByKey("gpu-1");
        assertThat(cached.getStatus().getImages()).isNullOrEmpty();
        assertThat(cached.getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(NodeFacts.of(cached)).isEqualTo(NodeFacts.of(created));

        // a heartbeat: the handler gets the slim old Node and the full new one, equal in facts
        created
            .getStatus()
            .getConditions()
            .forEach(c -> c.setLastHeartbeatTime("2024-01-01T00:00:10Z"));
        cluster.client().resource(created).updateStatus();
        await().atMost(TIMEOUT).until(() -> !updates.isEmpty());
        Node[] update = updates.get(0);
        assertThat(update[0].getStatus().getImages()).isNullOrEmpty();
        assertThat(update[1].getStatus().getImages()).hasSize(30);
        assertThat(NodeFacts.of(update[0])).isEqualTo(NodeFacts.of(update[1]));
        assertThat(informer.getStore().getByKey("gpu-1").getStatus().getImages()).isNullOrEmpty();
      } finally {
        informer.stop();
      }
    }
  }

  private static Node withoutVersion(Node node) {
    node.getMetadata().setResourceVersion(null);
    node.getMetadata().setUid(null);
    node.getMetadata().setManagedFields(null);
    return node;
  }
}
