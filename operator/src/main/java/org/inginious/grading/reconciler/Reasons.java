package org.inginious.grading.reconciler;

/** Condition reasons: stable, CamelCase, what tooling and people match on. */
public final class Reasons {
  public static final String PLACED = "Placed";
  public static final String RESOLVED = "Resolved";
  public static final String BASE_READY = "BaseReady";
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String BUILD_SOURCE_NOT_SUPPORTED = "BuildSourceNotSupported";
  public static final String LABEL_MISMATCH = "LabelMismatch";
  public static final String SECRET_NOT_FOUND = "SecretNotFound";
  public static final String SECRET_INVALID = "SecretInvalid";
  public static final String RUNTIME_CLASS_MISSING = "RuntimeClassMissing";
  public static final String NODE_SELECTOR_CONFLICT = "NodeSelectorConflict";
  public static final String WAITING_FOR_IMAGE = "WaitingForImage";
  public static final String RECONCILE_ERROR = "ReconcileError";

  private Reasons() {}
}
