package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Condition bookkeeping: lastTransitionTime moves only when the status flips. */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String BUILT = "Built";
  public static final String PLACED = "Placed";

  /** Environments built on another environment: whether they are built from its current image. */
  public static final String BASE_READY = "BaseReady";

  /** kstatus: the controller is working towards the desired state. */
  public static final String RECONCILING = "Reconciling";

  /** kstatus: the controller cannot make progress without a person. */
  public static final String STALLED = "Stalled";

  /**
   * Some Ready node can run the grading pods; kept apart from Ready, which is about image and
   * placement.
   */
  public static final String SCHEDULABLE = "Schedulable";

  /** Every node that can run the grading pods holds the current image (pre-pull). */
  public static final String PULLED = "Pulled";

  private Conditions() {}

  public static void set(
      List<Condition> conditions,
      String type,
      boolean status,
      String reason,
      String message,
      Long generation,
      String now) {
    String statusText = status ? "True" : "False";
    Optional<Condition> existing = find(conditions, type);
    String transition =
        existing
            .filter(c -> statusText.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .orElse(now);
    Condition updated =
        new ConditionBuilder()
            .withType(type)
            .withStatus(statusText)
            .withReason(reason)
            .withMessage(message == null ? "" : message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(transition)
            .build();
    existing.ifPresentOrElse(
        c -> conditions.set(conditions.indexOf(c), updated), () -> conditions.add(updated));
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> Objects.equals(type, c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }
}
