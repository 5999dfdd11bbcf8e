package org.inginious.grading.reconciler;

/** Condition reasons: stable, CamelCase, what tooling and people match on. */
public final class Reasons {
  public static final String PLACED = "Placed";
  public static final String BASE_READY = "BaseReady";
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String RUNTIME_CLASS_MISSING = "RuntimeClassMissing";
  public static final String NODE_SELECTOR_CONFLICT = "NodeSelectorConflict";
  public static final String RECONCILE_ERROR = "ReconcileError";
  /** The stored spec holds a field or value this operator version cannot read (a newer CRD). */
  public static final String UNSUPPORTED_SPEC = "UnsupportedSpec";
  /** Another, older environment of the namespace has the same environmentName and keeps it. */
  public static final String ENVIRONMENT_NAME_CONFLICT = "EnvironmentNameConflict";

  /** Pulled=True: every node that can run the grading pods has the current image. */
  public static final String IMAGE_PULLED = "ImagePulled";
  /** Pulled=False: the pre-pull DaemonSet is still pulling the current image somewhere. */
  public static final String PULLING = "Pulling";

  private Reasons() {}
}
