package org.inginious.grading.api;

/**
 * Every condition reason the operator reports, in one place: they are API (the README's table, the
 * Argo CD health check, users' alerts match on them), so they are stable and CamelCase. The
 * reconciler records an image problem's reason on Built and also on Ready (with Stalled, or
 * Reconciling when it is retried), and a build's reason in {@code status.build.reason}. A test
 * holds the README's table to this class.
 */
public final class ConditionReasons {

  // Built=True

  /**
   * Built=True: the prebuilt image's tag was resolved to a digest and its labels match the spec.
   */
  public static final String RESOLVED = "Resolved";

  /**
   * Built=True: the image was built from the current inputs (or is the last good one while the base
   * is not Ready).
   */
  public static final String BUILT = "Built";

  // Built=False: the spec, or an object it names, must change (Stalled until it does)

  /**
   * Built=False: an image reference of the spec is not a valid reference, or the registry rejected
   * it.
   */
  public static final String INVALID_IMAGE_REFERENCE = "InvalidImageReference";

  /** Built=False: the prebuilt image's INGInious labels disagree with the spec. */
  public static final String LABEL_MISMATCH = "LabelMismatch";

  /** Built=False: a ConfigMap the build reads (files, Dockerfile, context) does not exist. */
  public static final String CONFIG_MAP_MISSING = "ConfigMapMissing";

  /** Built=False: a ConfigMap the build reads has a binaryData value that is not base64. */
  public static final String CONFIG_MAP_INVALID = "ConfigMapInvalid";

  /**
   * Built=False: the Dockerfile ConfigMap has no key (or an empty one) where
   * spec.build.dockerfile.configMapRef points.
   */
  public static final String CONFIG_MAP_KEY_MISSING = "ConfigMapKeyMissing";

  /** Built=False: the Dockerfile and its context do not fit in a build ConfigMap (about 1 MB). */
  public static final String BUILD_CONTEXT_TOO_LARGE = "BuildContextTooLarge";

  /** Built=False: the pull or push Secret has no .dockerconfigjson, or one that cannot be read. */
  public static final String SECRET_INVALID = "SecretInvalid";

  // Built=False: registries and Secrets that may come right by themselves (retried with backoff)

  /** Built=False: the pull or push Secret does not exist (yet). */
  public static final String SECRET_NOT_FOUND = "SecretNotFound";

  /** Built=False: a registry did not answer, answered 5xx or 429, or TLS to it failed. */
  public static final String REGISTRY_UNAVAILABLE = "RegistryUnavailable";

  /** Built=False: a registry refused to let us read an image (the pull secret). */
  public static final String REGISTRY_UNAUTHORIZED = "RegistryUnauthorized";

  /**
   * Built=False: the prebuilt image is not in its registry, or has no usable linux/amd64 manifest.
   */
  public static final String IMAGE_NOT_FOUND = "ImageNotFound";

  /**
   * Built=False: the base image (spec.build.base.image, or a layers build's base) is not in its
   * registry, or its pull was refused.
   */
  public static final String BASE_IMAGE_NOT_FOUND = "BaseImageNotFound";

  // Built=False and status.build.reason: the build failed (layers builds retry with backoff, Kaniko
  // Jobs once something changes)

  /**
   * Built=False: the build failed (a Dockerfile step, the executor, jib, an invalid reference, a
   * full disk).
   */
  public static final String BUILD_FAILED = "BuildFailed";

  /** Built=False: the build ran longer than spec.build.timeout and was stopped. */
  public static final String BUILD_TIMEOUT = "BuildTimeout";

  /** Built=False: the target registry refused the push of a layers build (image.pushSecretRef). */
  public static final String PUSH_UNAUTHORIZED = "PushUnauthorized";

  /** Built=False: the Kaniko executor ran out of memory (spec.build.resources.limits.memory). */
  public static final String OOM_KILLED = "OOMKilled";

  /** Built=False: the Kaniko build pod cannot pull the executor image (builds.kanikoImage). */
  public static final String IMAGE_PULL_BACK_OFF = "ImagePullBackOff";

  /** Built=False: the Kaniko build pod was evicted. */
  public static final String EVICTED = "Evicted";

  /**
   * Built=False: the Kaniko Job completed, but its termination message names no digest of the
   * repository.
   */
  public static final String DIGEST_MISSING = "DigestMissing";

  // A build in progress or done: status.build.reason (and Ready=False, Reconciling=True while it
  // runs)

  /** Ready=False, Reconciling=True and status.build.reason: a build of the current inputs runs. */
  public static final String BUILDING = "Building";

  /**
   * status.build.reason only: the build pushed its image (the Built condition then says {@link
   * #BUILT}).
   */
  public static final String SUCCEEDED = "Succeeded";

  // BaseReady=False (environments built on spec.build.base.environment)

  /** BaseReady=False and Built=False: the base environment, or one in its chain, does not exist. */
  public static final String BASE_NOT_FOUND = "BaseNotFound";

  /**
   * BaseReady=False and Built=False: the chain of base environments is a cycle (or longer than 32).
   */
  public static final String BASE_CYCLE = "BaseCycle";

  /**
   * BaseReady=False: the base environment is not Ready yet; Ready=False too while nothing was built
   * before.
   */
  public static final String WAITING_FOR_BASE = "WaitingForBase";

  /**
   * BaseReady=False: the base environment failed; this environment waits, or stays on its last good
   * image.
   */
  public static final String BASE_FAILED = "BaseFailed";

  // Ready and Placed

  /** Ready=True and Placed=True: the PodTemplate runs the current image with its RuntimeClass. */
  public static final String PLACED = "Placed";

  /**
   * Ready=False, Stalled=True: the spec breaks a rule the CRD also enforces (the message names the
   * field).
   */
  public static final String INVALID_SPEC = "InvalidSpec";

  /** Ready=False, Placed=False: an unmanaged RuntimeClass (kata, nvidia) is not installed. */
  public static final String RUNTIME_CLASS_MISSING = "RuntimeClassMissing";

  /**
   * Ready=False, Placed=False: spec.grading.nodeSelector contradicts the RuntimeClass's scheduling.
   */
  public static final String NODE_SELECTOR_CONFLICT = "NodeSelectorConflict";

  /**
   * Ready=False, Reconciling=True: an unexpected error (the API server's message), retried with
   * backoff.
   */
  public static final String RECONCILE_ERROR = "ReconcileError";

  /**
   * Ready=False, Stalled=True: the stored spec holds a field or value this operator version cannot
   * read (a newer CRD).
   */
  public static final String UNSUPPORTED_SPEC = "UnsupportedSpec";

  /**
   * Ready=False, Stalled=True: an older environment of the namespace has the same environmentName
   * and keeps it.
   */
  public static final String ENVIRONMENT_NAME_CONFLICT = "EnvironmentNameConflict";

  // BaseReady=True

  /** BaseReady=True: this environment is built from its base environment's current image. */
  public static final String BASE_READY = "BaseReady";

  // Schedulable (False also sets Stalled=True with the same reason; Ready stays about image and
  // placement)

  /** Schedulable=True: at least one Ready node can run the grading pods. */
  public static final String ELIGIBLE_NODES = "EligibleNodes";

  /**
   * Schedulable=False: no node can run the grading pods (the message names what the nodes lack).
   */
  public static final String NO_ELIGIBLE_NODES = "NoEligibleNodes";

  /** Schedulable=False: nodes can run the grading pods, but none of them is Ready. */
  public static final String NO_READY_NODES = "NoReadyNodes";

  // Pulled (pre-pull on)

  /** Pulled=True: every node the pre-pull DaemonSet runs on holds the current image. */
  public static final String IMAGE_PULLED = "ImagePulled";

  /** Pulled=False: the pre-pull DaemonSet is still pulling the current image on some node. */
  public static final String PULLING = "Pulling";

  private ConditionReasons() {}
}
