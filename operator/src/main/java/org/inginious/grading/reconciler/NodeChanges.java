package org.inginious.grading.reconciler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.inginious.grading.placement.nodes.NodeFacts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each node means for eligibility, and the changes of the last moment handled together. A
 * thousand nodes listed at start-up, or a rack relabelled, then wake each environment once, not
 * once per node (an environment woken per node reconciled 12 to 21 times at start-up with 1,000
 * nodes and 1,000 environments, in the node benchmark).
 */
final class NodeChanges {
  static final Duration BATCH = Duration.ofMillis(500);
  private static final Logger LOG = LoggerFactory.getLogger(NodeChanges.class);

  /**
   * One node's change over the batch: null before for a node that joined, null after for one that
   * left.
   */
  record Change(NodeFacts before, NodeFacts after) {}

  private final Map<String, NodeFacts> known = new ConcurrentHashMap<>();
  private final Map<String, Change> pending = new HashMap<>();
  private final Consumer<List<Change>> handler;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "node-changes");
            thread.setDaemon(true);
            return thread;
          });
  private boolean scheduled;

  /**
   * @param handler told, on a thread of its own, about the changes of a batch that matter
   */
  NodeChanges(Consumer<List<Change>> handler) {
    this.handler = handler;
  }

  /**
   * A node event: what the node means now (null: it is gone). Equal facts (a heartbeat) change
   * nothing.
   */
  void record(String name, NodeFacts now) {
    NodeFacts before = now == null ? known.remove(name) : known.put(name, now);
    if (Objects.equals(before, now)) {
      return;
    }
    synchronized (this) {
      Change earlier = pending.get(name);
      NodeFacts first = earlier == null ? before : earlier.before();
      if (Objects.equals(first, now)) {
        pending.remove(name); // back to where the batch began
      } else {
        pending.put(name, new Change(first, now));
      }
      if (!scheduled && !pending.isEmpty()) {
        scheduled = true;
        timer.schedule(this::flush, BATCH.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Every node as far as eligibility goes, as of the last event. */
  List<NodeFacts> facts() {
    return new ArrayList<>(known.values());
  }

  /** No change waits for its batch. */
  synchronized boolean idle() {
    return !scheduled && pending.isEmpty();
  }

  private void flush() {
    List<Change> changes;
    synchronized (this) {
      changes = new ArrayList<>(pending.values());
      pending.clear();
      scheduled = false;
    }
    try {
      handler.accept(changes);
    } catch (RuntimeException e) {
      // the next change or resync corrects it; the timer thread must live on
      LOG.warn("Handling {} node changes failed", changes.size(), e);
    }
  }
}
