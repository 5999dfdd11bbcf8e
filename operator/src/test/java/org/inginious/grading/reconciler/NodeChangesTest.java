package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;
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
  void aBatchOfNodeEventsIsHandledOnceWithEveryStateOfEachNode() {
    List<List<NodeChanges.Change>> batches = new CopyOnWriteArrayList<>();
    NodeChanges changes = new NodeChanges(batches::add);
    changes.facts(); // a reconcile looked
    for (int i = 0; i < 1000; i++) {
      changes.record("n" + i, node("n" + i, "a"));
    }
    changes.record("n0", node("n0", "b")); // joined, then relabelled
    changes.record("n1", null); // joined, then left: a reconcile may have seen it in between

    await().atMost(Duration.ofSeconds(5)).until(() -> !batches.isEmpty());
    assertThat(batches)
        .singleElement()
        .satisfies(
            batch -> {
              assertThat(batch).hasSize(1000);
              assertThat(batch)
                  .contains(
                      new NodeChanges.Change(Arrays.asList(null, node("n0", "a"), node("n0", "b"))),
                      new NodeChanges.Change(Arrays.asList(null, node("n1", "a"), null)));
            });
    assertThat(changes.facts()).hasSize(999);
  }

  /**
   * A step back and forth inside one batch still counts: between them, an environment may have
   * looked.
   */
  @Test
  void anEnvironmentIsWokenForAStepInsideTheBatch() {
    NodeChanges.Change there =
        new NodeChanges.Change(Arrays.asList(node("n", "b"), node("n", "a"), node("n", "b")));
    assertThat(there.anyStep((before, after) -> !before.labels().equals(after.labels()))).isTrue();
    NodeChanges.Change heartbeat =
        new NodeChanges.Change(Arrays.asList(node("n", "a"), node("n", "a")));
    assertThat(heartbeat.anyStep((before, after) -> !before.labels().equals(after.labels())))
        .isFalse();
  }

  @Test
  void aHeartbeatChangesNothingAndStartsNoBatch() {
    List<List<NodeChanges.Change>> batches = new CopyOnWriteArrayList<>();
    NodeChanges changes = new NodeChanges(batches::add);
    changes.facts(); // a reconcile looked
    changes.record("n", node("n", "a"));
    await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 1);

    changes.record("n", node("n", "a"));
    changes.record("n", node("n", "b"));
    await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 2);
    assertThat(batches.get(1))
        .containsExactly(new NodeChanges.Change(List.of(node("n", "a"), node("n", "b"))));
    await().atMost(Duration.ofSeconds(5)).until(changes::idle);
    changes.record("n", node("n", "b"));
    assertThat(changes.idle()).as("the same facts again start no batch").isTrue();
    assertThat(changes.facts()).containsExactly(node("n", "b"));
  }

  @Test
  void changesBeforeAnyReconcileReadTheNodesWakeNobodyYetCount() {
    List<List<NodeChanges.Change>> batches = new CopyOnWriteArrayList<>();
    NodeChanges changes = new NodeChanges(batches::add);
    changes.record("n0", node("n0", "a")); // the list at start-up
    changes.record("n1", node("n1", "a"));

    assertThat(changes.idle()).as("no batch: the first reconciles see these nodes").isTrue();
    assertThat(changes.facts()).containsExactlyInAnyOrder(node("n0", "a"), node("n1", "a"));

    changes.record("n0", node("n0", "b")); // once a reconcile has looked, changes are batched
    await().atMost(Duration.ofSeconds(5)).until(() -> !batches.isEmpty());
    assertThat(batches)
        .singleElement()
        .isEqualTo(List.of(new NodeChanges.Change(List.of(node("n0", "a"), node("n0", "b")))));
  }
}
