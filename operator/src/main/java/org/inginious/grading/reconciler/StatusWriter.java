package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentStatus;
import org.inginious.grading.api.NodesStatus;
import org.inginious.grading.api.Phase;
import org.inginious.grading.api.PrePullStatus;
import org.inginious.grading.placement.nodes.NodeEligibility;
import org.inginious.grading.placement.prepull.PrePullProgress;

/**
 * Status changes for one reconcile; conditions keep their lastTransitionTime unless they flip
 * between what the reconcile found and what it leaves, however often it sets them on the way.
 */
final class StatusWriter {
  private final GradingEnvironmentStatus status;
  private final Map<String, Condition> found = new HashMap<>();
  private final Long generation;
  private final String now;
  private String lastMessage;

  StatusWriter(GradingEnvironment environment, String now) {
    if (environment.getStatus() == null) {
      environment.setStatus(new GradingEnvironmentStatus());
    }
    this.status = environment.getStatus();
    if (status.conditions != null) {
      status.conditions.forEach(c -> found.put(c.getType(), c));
    }
    this.generation = environment.getMetadata().getGeneration();
    this.now = now;
    status.observedGeneration = generation;
    status.environmentName = environment.environmentName();
  }

  GradingEnvironmentStatus status() {
    return status;
  }

  String lastMessage() {
    return lastMessage;
  }

  void built(boolean ok, String reason, String message) {
    set(Conditions.BUILT, ok, reason, message);
  }

  void baseReady(boolean ok, String reason, String message) {
    set(Conditions.BASE_READY, ok, reason, message);
  }

  void placed(boolean ok, String reason, String message) {
    lastMessage = message;
    set(Conditions.PLACED, ok, reason, message);
  }

  void ready() {
    status.phase = Phase.Ready;
    set(Conditions.READY, true, ConditionReasons.PLACED, lastMessage);
    set(Conditions.RECONCILING, false, ConditionReasons.PLACED, "");
    set(Conditions.STALLED, false, ConditionReasons.PLACED, "");
  }

  /**
   * Progressing on its own: a build runs, or a base environment is not ready yet (events follow).
   */
  void waiting(Phase phase, String reason, String message) {
    status.phase = phase;
    set(Conditions.READY, false, reason, message);
    set(Conditions.RECONCILING, true, reason, message);
    set(Conditions.STALLED, false, reason, "");
  }

  /** A person must act: the spec, a Secret, a RuntimeClass, the image. */
  void stalled(String reason, String message) {
    status.phase =
        ConditionReasons.RUNTIME_CLASS_MISSING.equals(reason) ? Phase.Pending : Phase.Failed;
    set(Conditions.READY, false, reason, message);
    set(Conditions.RECONCILING, false, reason, "");
    set(Conditions.STALLED, true, reason, message);
  }

  /**
   * Condition Schedulable and status.nodes. False also sets Stalled, so kstatus (Flux) reports the
   * environment Failed and Argo CD Degraded, while Ready stays about the image and placement.
   */
  void schedulable(NodeEligibility.Eligibility eligibility) {
    status.nodes = new NodesStatus(eligibility.eligible(), eligibility.ready());
    set(
        Conditions.SCHEDULABLE,
        eligibility.schedulable(),
        eligibility.reason(),
        eligibility.message());
    if (!eligibility.schedulable()) {
      set(Conditions.STALLED, true, eligibility.reason(), eligibility.message());
    }
  }

  /**
   * Condition Pulled and status.prePull: has every node that can run the pods got the current
   * image?
   */
  void pulled(PrePullProgress progress, String daemonSet) {
    status.prePull = new PrePullStatus(progress.desired(), progress.pulled(), daemonSet);
    set(
        Conditions.PULLED,
        progress.complete(),
        progress.complete() ? ConditionReasons.IMAGE_PULLED : ConditionReasons.PULLING,
        "current image on " + progress.pulled() + " of " + progress.desired() + " nodes");
  }

  void noPrePull() {
    status.prePull = null;
    status.conditions.removeIf(c -> Conditions.PULLED.equals(c.getType()));
  }

  /** When the current run of transient failures began: the Reconciling condition's transition. */
  Instant retryingSince() {
    return Conditions.find(status.conditions, Conditions.RECONCILING)
        .filter(c -> "True".equals(c.getStatus()))
        .map(c -> Instant.parse(c.getLastTransitionTime()))
        .orElse(Instant.parse(now));
  }

  /** Transient: retried with backoff. */
  void retrying(String reason, String message) {
    status.phase = Phase.Pending;
    set(Conditions.READY, false, reason, message);
    set(Conditions.RECONCILING, true, reason, message + " (retrying with backoff)");
    set(Conditions.STALLED, false, reason, "");
  }

  private void set(String type, boolean ok, String reason, String message) {
    // the transition is judged against what the reconcile found: ready() sets Stalled False, then
    // schedulable() may set it True again, which is no transition
    Condition before = found.get(type);
    String since =
        before != null && statusText(ok).equals(before.getStatus())
            ? before.getLastTransitionTime()
            : now;
    Conditions.set(status.conditions, type, ok, reason, message, generation, since);
  }

  /**
   * Whether status.nodes and condition Schedulable show this eligibility as schedulable() would.
   */
  static boolean showsScheduling(
      GradingEnvironmentStatus status, NodeEligibility.Eligibility eligibility) {
    return status.nodes != null
        && Objects.equals(status.nodes.eligible, eligibility.eligible())
        && Objects.equals(status.nodes.ready, eligibility.ready())
        && Conditions.find(status.conditions, Conditions.SCHEDULABLE)
            .map(
                c ->
                    statusText(eligibility.schedulable()).equals(c.getStatus())
                        && Objects.equals(c.getReason(), eligibility.reason())
                        && Objects.equals(
                            c.getMessage(), Objects.toString(eligibility.message(), "")))
            .orElse(false);
  }

  /** Whether status.prePull and condition Pulled show this progress as pulled() would. */
  static boolean showsPrePull(GradingEnvironmentStatus status, PrePullProgress progress) {
    return status.prePull != null
        && progress.desired() == Objects.requireNonNullElse(status.prePull.desired, 0)
        && progress.pulled() == Objects.requireNonNullElse(status.prePull.pulled, 0)
        && progress.complete() == Conditions.isTrue(status.conditions, Conditions.PULLED);
  }

  private static String statusText(boolean ok) {
    return ok ? "True" : "False";
  }
}
