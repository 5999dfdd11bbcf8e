package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.inginious.grading.placement.nodes.NodeFacts;
import org.junit.jupiter.api.Test;

class NodeChangesTest {
  private static NodeFacts node(String name, String pool) {
    return new NodeFacts(name, Map.of("pool", pool), List.of(), false, true, Map.of());
  }

  @Test
  void aBatchOfNodeEventsIsHandledOnceWithTheNetChangePerNode() {
    List<List<NodeChanges.Change>> batches = new CopyOnWriteArrayList<>();
    NodeChanges changes = new NodeChanges(batches::add);
    for (int i = 0; i < 1000; i++) {
      changes.record("n" + i, node("n" + i, "a"));
    }
    changes.record("n0", node("n0", "b")); // joined, then relabelled: one change, null -> b
    changes.record("n1", null); // joined, then left: no change at all

    await().atMost(Duration.ofSeconds(5)).until(() -> !batches.isEmpty());
    assertThat(batches)
        .singleElement()
        .satisfies(
            batch -> {
              assertThat(batch).hasSize(999);
              assertThat(batch).contains(new NodeChanges.Change(null, node("n0", "b")));
              assertThat(batch).extracting(c -> c.after().name()).doesNotContain("n1");
            });
    assertThat(changes.facts()).hasSize(999);
  }

  @Test
  void aHeartbeatChangesNothingAndStartsNoBatch() {
    List<List<NodeChanges.Change>> batches = new CopyOnWriteArrayList<>();
    NodeChanges changes = new NodeChanges(batches::add);
    changes.record("n", node("n", "a"));
    await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 1);

    changes.record("n", node("n", "a"));
    changes.record("n", node("n", "b"));
    await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 2);
    assertThat(batches.get(1))
        .containsExactly(new NodeChanges.Change(node("n", "a"), node("n", "b")));
    await().atMost(Duration.ofSeconds(5)).until(changes::idle);
    changes.record("n", node("n", "b"));
    assertThat(changes.idle()).as("the same facts again start no batch").isTrue();
    assertThat(changes.facts()).containsExactly(node("n", "b"));
  }
}
