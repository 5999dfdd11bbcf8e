package org.inginious.grading.reconciler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
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
   * What one node meant over the batch, in order: the state before it (null: it had not joined) and
   * the state after each event (null: it left). Every state counts, not only the first and the
   * last: a reconcile woken by something else may have seen one in between.
   */
  record Change(List<NodeFacts> states) {
    /** Whether some step of the batch changes what {@code changed} tells apart. */
    boolean anyStep(BiPredicate<NodeFacts, NodeFacts> changed) {
      for (int i = 1; i < states.size(); i++) {
        if (changed.test(states.get(i - 1), states.get(i))) {
          return true;
        }
      }
      return false;
    }
  }

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
   * Whether a reconcile has read the nodes yet. Until then no change needs a wake: the first
   * reconciles see it (the nodes listed at start-up, while the environments' status may still tell
   * of the nodes before the restart, would otherwise wake each environment a second time).
   */
  private volatile boolean read;

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
    if (Objects.equals(before, now) || !read) {
      return;
    }
    synchronized (this) {
      pending
          .computeIfAbsent(
              name, n -> new Change(new ArrayList<>(Collections.singletonList(before))))
          .states()
          .add(now);
      if (!scheduled) {
        scheduled = true;
        timer.schedule(this::flush, BATCH.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Every node as far as eligibility goes, as of the last event. */
  List<NodeFacts> facts() {
    read = true; // before reading: a change recorded after this is batched
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
