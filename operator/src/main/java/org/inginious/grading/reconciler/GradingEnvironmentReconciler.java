package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Optional;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentValidator;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.image.common.Backoff;
import org.inginious.grading.image.ImageSources;
import org.inginious.grading.image.common.ClusterView;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.common.Outcome;
import org.inginious.grading.image.dockerfile.KanikoJobs;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.GradingNetworkPolicies;
import org.inginious.grading.placement.GradingPodTemplates;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.placement.NodeSelectorConflicts;
import org.inginious.grading.placement.ResolvedRuntime;
import org.inginious.grading.placement.RuntimeClassManager;
import org.inginious.grading.placement.RuntimeClasses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Observe, validate, act, record: one environment at a time, status written only when it changed. */
/*
 * No finalizer: the spec and metadata belong to GitOps, and deleting an environment must not depend
 * on the operator running. Owner references let the cluster's garbage collector remove what we
 * created; reconciling on delete events as well tidies up at once.
 */
@ControllerConfiguration(name = GradingEnvironmentReconciler.NAME, triggerReconcilerOnAllEvents = true)
public class GradingEnvironmentReconciler implements Reconciler<GradingEnvironment> {
  public static final String NAME = "gradingenvironment";
  static final String RUNTIME_CLASS_INDEX = "runtimeClassName";
  private static final Logger LOG = LoggerFactory.getLogger(GradingEnvironmentReconciler.class);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String MANAGED_SELECTOR = Labels.MANAGED_BY + "=" + Labels.OPERATOR;
  /** How soon a reconcile that lost a write race (409) looks again. */
  private static final Duration AFTER_CONFLICT = Duration.ofSeconds(1);

  static final String CONFIG_MAP_INDEX = "configMaps";
  static final String BASE_INDEX = "baseEnvironment";
  /** namespace/environmentName of every environment this operator can read. */
  static final String ENVIRONMENT_NAME_INDEX = "environmentName";
  /** The namespace of every environment that waits for its environmentName to be free. */
  static final String NAME_CONFLICT_INDEX = "environmentNameConflict";
  /** Who keeps a shared environmentName: the oldest, then the first by name. */
  private static final Comparator<GradingEnvironment> OLDEST_FIRST = Comparator
      .comparing((GradingEnvironment e) -> e.getMetadata().getCreationTimestamp(), Comparator.nullsLast(Comparator.naturalOrder()))
      .thenComparing(e -> e.getMetadata().getName());

  private final OperatorConfig config;
  private final ImageSources imageSources;
  private final SimpleInboundEventSource<GradingEnvironment> buildCompletions;
  private final Backoff backoff;
  private final Clock clock;
  private InformerEventSource<ConfigMap, GradingEnvironment> configMaps;
  private InformerEventSource<GradingEnvironment, GradingEnvironment> baseEnvironments;
  private InformerEventSource<PodTemplate, GradingEnvironment> podTemplates;
  private InformerEventSource<NetworkPolicy, GradingEnvironment> networkPolicies;
  private InformerEventSource<RuntimeClass, GradingEnvironment> runtimeClasses;
  private InformerEventSource<Job, GradingEnvironment> buildJobs;
  private InformerEventSource<Pod, GradingEnvironment> buildPods;

  /**
   * @param buildCompletions where finished in-process builds announce themselves (an event for the
   *     environment that started them)
   */
  public GradingEnvironmentReconciler(OperatorConfig config, ImageSources imageSources,
      SimpleInboundEventSource<GradingEnvironment> buildCompletions, Backoff backoff, Clock clock) {
    this.config = config;
    this.imageSources = imageSources;
    this.buildCompletions = buildCompletions;
    this.backoff = backoff;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, GradingEnvironment>> prepareEventSources(EventSourceContext<GradingEnvironment> context) {
    // RuntimeClasses are cluster-scoped: an index on the environments' resolved class name lets a
    // RuntimeClass created, changed or deleted later wake exactly the environments using it.
    context.getPrimaryCache().addIndexer(RUNTIME_CLASS_INDEX, env -> List.of(runtimeClassNameOf(env)));
    context.getPrimaryCache().addIndexer(CONFIG_MAP_INDEX, GradingEnvironmentReconciler::referencedConfigMaps);
    context.getPrimaryCache().addIndexer(BASE_INDEX, GradingEnvironmentReconciler::baseEnvironmentKey);
    context.getPrimaryCache().addIndexer(ENVIRONMENT_NAME_INDEX, env -> UnreadableEnvironments.problem(env).isPresent()
        ? List.of() : List.of(environmentNameKey(env)));
    context.getPrimaryCache().addIndexer(NAME_CONFLICT_INDEX, env -> env.getStatus() != null && Conditions
        .find(env.getStatus().conditions, Conditions.READY).map(c -> Reasons.ENVIRONMENT_NAME_CONFLICT.equals(c.getReason()))
        .orElse(false) ? List.of(env.getMetadata().getNamespace()) : List.of());
    // A referenced ConfigMap changes -> the environments that read it rebuild (their hash moves).
    configMaps = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(ConfigMap.class, GradingEnvironment.class)
            .withSecondaryToPrimaryMapper(cm -> byIndex(context, CONFIG_MAP_INDEX, key(cm)))
            .build(), context);
    // A base environment changes (new digest, Ready) -> the environments built FROM it follow. Any
    // environment changes (created, renamed, deleted) -> those sharing its environmentName, and those
    // waiting for theirs to be free, look again.
    baseEnvironments = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(GradingEnvironment.class, GradingEnvironment.class)
            .withName("base-environments")
            .withSecondaryToPrimaryMapper(other -> {
              Set<ResourceID> affected = new HashSet<>(byIndex(context, BASE_INDEX, key(other)));
              affected.addAll(byIndex(context, ENVIRONMENT_NAME_INDEX, environmentNameKey(other)));
              affected.addAll(byIndex(context, NAME_CONFLICT_INDEX, other.getMetadata().getNamespace()));
              affected.remove(ResourceID.fromResource(other));
              return affected;
            })
            .build(), context);
    podTemplates = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(PodTemplate.class, GradingEnvironment.class)
            .withLabelSelector(MANAGED_SELECTOR)
            .withSecondaryToPrimaryMapper(GradingEnvironmentReconciler::owners)
            .build(), context);
    networkPolicies = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(NetworkPolicy.class, GradingEnvironment.class)
            .withLabelSelector(MANAGED_SELECTOR)
            .withSecondaryToPrimaryMapper(GradingEnvironmentReconciler::owners)
            .build(), context);
    runtimeClasses = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(RuntimeClass.class, GradingEnvironment.class)
            .withWatchAllNamespaces()
            .withSecondaryToPrimaryMapper(rc -> context.getPrimaryCache()
                .byIndex(RUNTIME_CLASS_INDEX, rc.getMetadata().getName()).stream()
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet()))
            .build(), context);
    // Kaniko build Jobs and their Pods (labelled by the operator; the Job controller copies the
    // labels to the Pods): a change of either is a step of the build of the labelled environment.
    buildJobs = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Job.class, GradingEnvironment.class)
            .withName("build-jobs")
            .withLabelSelector(KanikoJobs.SELECTOR)
            .withSecondaryToPrimaryMapper(GradingEnvironmentReconciler::buildOf)
            .build(), context);
    buildPods = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, GradingEnvironment.class)
            .withName("build-pods")
            .withLabelSelector(KanikoJobs.SELECTOR)
            .withSecondaryToPrimaryMapper(GradingEnvironmentReconciler::buildOf)
            .build(), context);
    return List.of(configMaps, baseEnvironments, podTemplates, networkPolicies, runtimeClasses, buildJobs, buildPods,
        buildCompletions);
  }

  private static Set<ResourceID> buildOf(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    String environment = labels == null ? null : labels.get(KanikoJobs.BUILD_OF);
    return environment == null ? Set.of() : Set.of(new ResourceID(environment, object.getMetadata().getNamespace()));
  }

  private static Set<ResourceID> byIndex(EventSourceContext<GradingEnvironment> context, String index, String key) {
    return context.getPrimaryCache().byIndex(index, key).stream().map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  private static String key(HasMetadata object) {
    return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }

  private static String environmentNameKey(GradingEnvironment environment) {
    return environment.getMetadata().getNamespace() + "/" + environment.environmentName();
  }

  private static List<String> referencedConfigMaps(GradingEnvironment environment) {
    if (environment.getSpec() == null || environment.getSpec().build == null) {
      return List.of();
    }
    return environment.getSpec().build.configMapNames().stream()
        .map(name -> environment.getMetadata().getNamespace() + "/" + name)
        .toList();
  }

  private static List<String> baseEnvironmentKey(GradingEnvironment environment) {
    if (environment.getSpec() == null || environment.getSpec().build == null || environment.getSpec().build.base == null
        || environment.getSpec().build.base.environment == null) {
      return List.of();
    }
    return List.of(environment.getMetadata().getNamespace() + "/" + environment.getSpec().build.base.environment);
  }

  private ClusterView clusterView() {
    return new ClusterView() {
      @Override
      public Optional<GradingEnvironment> environment(String namespace, String name) {
        return baseEnvironments.get(new ResourceID(name, namespace));
      }

      @Override
      public Optional<ConfigMap> configMap(String namespace, String name) {
        return configMaps.get(new ResourceID(name, namespace));
      }

      @Override
      public List<Job> jobs(String namespace, String environment) {
        return buildJobs.list(namespace, job -> isBuildOf(job, environment)).toList();
      }

      @Override
      public List<Pod> pods(String namespace, String job) {
        return buildPods.list(namespace, pod -> pod.getMetadata().getOwnerReferences().stream()
            .anyMatch(ref -> "Job".equals(ref.getKind()) && job.equals(ref.getName()))).toList();
      }

      @Override
      public List<ConfigMap> configMaps(String namespace, String environment) {
        return configMaps.list(namespace, cm -> isBuildOf(cm, environment)
            && KanikoJobs.COMPONENT_VALUE.equals(cm.getMetadata().getLabels().get(KanikoJobs.COMPONENT))).toList();
      }
    };
  }

  private static boolean isBuildOf(HasMetadata object, String environment) {
    return object.getMetadata().getLabels() != null && environment.equals(object.getMetadata().getLabels().get(KanikoJobs.BUILD_OF));
  }

  private static Set<ResourceID> owners(HasMetadata secondary) {
    return secondary.getMetadata().getOwnerReferences().stream()
        .filter(ref -> GradingEnvironment.GROUP.equals(ref.getApiVersion().split("/")[0]) && "GradingEnvironment".equals(ref.getKind()))
        .map(ref -> new ResourceID(ref.getName(), secondary.getMetadata().getNamespace()))
        .collect(Collectors.toSet());
  }

  private String runtimeClassNameOf(GradingEnvironment environment) {
    try {
      return ResolvedRuntime.resolve(environment.getSpec() == null ? null : environment.getSpec().grading, config).runtimeClassName();
    } catch (RuntimeException e) {
      return "";
    }
  }

  @Override
  public UpdateControl<GradingEnvironment> reconcile(GradingEnvironment environment, Context<GradingEnvironment> context) {
    if (context.isPrimaryResourceDeleted()) {
      cleanup(environment, context);
      return UpdateControl.noUpdate();
    }
    String before = statusJson(environment);
    StatusWriter status = new StatusWriter(environment, now());

    Optional<String> unreadable = UnreadableEnvironments.problem(environment);
    if (unreadable.isPresent()) {
      status.stalled(Reasons.UNSUPPORTED_SPEC, unreadable.get() + ": this operator version cannot read it (is the CRD"
          + " newer than the operator?); upgrade the operator or change the spec");
      if (!Objects.equals(before, statusJson(environment))) {
        LOG.warn("Skipping {}/{}: {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(),
            unreadable.get());
      }
      return patchIfChanged(environment, before);
    }
    List<String> problems = GradingEnvironmentValidator.validate(environment);
    if (!problems.isEmpty()) {
      status.stalled(Reasons.INVALID_SPEC, String.join("; ", problems));
      return patchIfChanged(environment, before);
    }
    Optional<GradingEnvironment> nameHolder = olderWithSameEnvironmentName(environment, context);
    if (nameHolder.isPresent()) {
      // one PodTemplate per environment id: the grader could not tell two apart
      deleteOwned(context, podTemplates, GradingPodTemplates.name(environment), environment);
      status.status().podTemplate = null;
      status.stalled(Reasons.ENVIRONMENT_NAME_CONFLICT, "spec.environmentName: '" + environment.environmentName()
          + "' is also the environment name of " + key(nameHolder.get()) + ", which is older and keeps serving it;"
          + " give one of them another spec.environmentName");
      return patchIfChanged(environment, before);
    }
    Outcome outcome;
    try {
      outcome = imageSources.obtain(environment, clusterView());
    } catch (ImageProblem problem) {
      if (problem.reason().equals(ConditionReasons.BASE_NOT_FOUND) || problem.reason().equals(ConditionReasons.BASE_CYCLE)) {
        status.baseReady(false, problem.reason(), problem.getMessage());
      }
      status.built(false, problem.reason(), problem.getMessage());
      if (problem.retryable()) {
        status.retrying(problem.reason(), problem.getMessage());
        return patchIfChanged(environment, before).rescheduleAfter(backoff.next(status.retryingSince(), clock.instant()));
      }
      status.stalled(problem.reason(), problem.getMessage());
      return patchIfChanged(environment, before);
    }
    recordBase(environment, outcome, status);
    if (outcome instanceof Outcome.Waiting waiting) {
      status.status().build = waiting.build() != null ? waiting.build() : status.status().build;
      status.waiting(waiting.phase(), waiting.reason(), waiting.message());
      return patchIfChanged(environment, before);
    }
    if (outcome instanceof Outcome.BuildFailed failed) {
      status.status().build = failed.build();
      status.built(false, failed.reason(), failed.message());
      if (failed.retryAfter() == null) {
        // retried when something changes: the spec, a watched object, the failed Job deleted
        status.stalled(failed.reason(), failed.message());
        return patchIfChanged(environment, before);
      }
      // no countdown in the message: it would make every retry a status write
      status.stalled(failed.reason(), failed.message() + " (retried with backoff)");
      return patchIfChanged(environment, before).rescheduleAfter(failed.retryAfter().isNegative() ? Duration.ZERO : failed.retryAfter());
    }
    Outcome.Available available = (Outcome.Available) outcome;
    status.status().image = available.image();
    status.status().buildHash = available.buildHash();
    status.status().build = available.build();
    status.built(true, available.reason(), available.message());

    try {
      place(environment, available.image(), status, context);
    } catch (KubernetesClientException e) {
      if (!isConflict(e)) {
        throw e;
      }
      // Someone wrote first, or the cache had not seen a write yet: look again soon, status untouched.
      LOG.debug("Write conflict placing {}/{}; looking again", environment.getMetadata().getNamespace(),
          environment.getMetadata().getName());
      return UpdateControl.<GradingEnvironment>noUpdate().rescheduleAfter(AFTER_CONFLICT);
    }
    return patchIfChanged(environment, before);
  }

  /** The environment that keeps this one's environmentName, when it is not this one. */
  private static Optional<GradingEnvironment> olderWithSameEnvironmentName(GradingEnvironment environment,
      Context<GradingEnvironment> context) {
    return context.getPrimaryCache().byIndex(ENVIRONMENT_NAME_INDEX, environmentNameKey(environment)).stream()
        .min(OLDEST_FIRST)
        .filter(oldest -> !ResourceID.fromResource(oldest).equals(ResourceID.fromResource(environment)));
  }

  /**
   * Condition BaseReady, for environments built on another environment: False while the base is
   * missing, in a cycle, rebuilding or failed (the environment then stays on its last good image),
   * True once this environment is built from the base's current digest.
   */
  private static void recordBase(GradingEnvironment environment, Outcome outcome, StatusWriter status) {
    var base = environment.getSpec().build.base;
    if (base == null || base.environment == null) {
      status.status().conditions.removeIf(c -> Conditions.BASE_READY.equals(c.getType()));
      return;
    }
    if (outcome instanceof Outcome.Available available && available.baseNotice() != null) {
      status.baseReady(false, available.baseNotice().reason(), available.baseNotice().message());
    } else if (outcome instanceof Outcome.Waiting waiting
        && (waiting.reason().equals(ConditionReasons.WAITING_FOR_BASE) || waiting.reason().equals(ConditionReasons.BASE_FAILED))) {
      status.baseReady(false, waiting.reason(), waiting.message());
    } else {
      status.baseReady(true, Reasons.BASE_READY, "base environment " + environment.getMetadata().getNamespace() + "/"
          + base.environment + " is Ready");
    }
  }

  /** RuntimeClass present and compatible, then the environment's NetworkPolicy and PodTemplate. */
  private void place(GradingEnvironment environment, String image, StatusWriter status, Context<GradingEnvironment> context) {
    ResolvedRuntime runtime = ResolvedRuntime.resolve(environment.getSpec().grading, config);
    status.status().runtimeClassName = runtime.runtimeClassName();
    RuntimeClass runtimeClass = runtime.managed()
        ? ensureRuntimeClass(context.getClient(), RuntimeClasses.desired(runtime.config()))
        : runtimeClasses.get(new ResourceID(runtime.runtimeClassName())).orElse(null);
    if (runtimeClass == null) {
      status.placed(false, Reasons.RUNTIME_CLASS_MISSING, "RuntimeClass " + runtime.runtimeClassName() + " for runtime "
          + runtime.runtime().id() + " does not exist: install it (for example with kata-deploy or the NVIDIA GPU operator)"
          + " or change runtimes." + runtime.runtime().id() + ".runtimeClassName in the operator configuration");
      status.stalled(Reasons.RUNTIME_CLASS_MISSING, status.lastMessage());
      return;
    }
    GradingSpec grading = environment.getSpec().grading == null ? new GradingSpec() : environment.getSpec().grading;
    List<String> conflicts = NodeSelectorConflicts.between(
        grading.nodeSelector, RuntimeClasses.nodeSelector(runtimeClass), runtimeClass.getMetadata().getName());
    if (!conflicts.isEmpty()) {
      status.placed(false, Reasons.NODE_SELECTOR_CONFLICT, String.join("; ", conflicts));
      status.stalled(Reasons.NODE_SELECTOR_CONFLICT, status.lastMessage());
      return;
    }
    PodTemplate desired = GradingPodTemplates.render(environment, image, runtime);
    // isolation before the template, so no grading pod of a network-none environment starts unguarded
    boolean isolates = GradingNetworkPolicies.isolates(environment);
    if (isolates) {
      apply(context, GradingNetworkPolicies.denyAll(environment), networkPolicies);
    }
    apply(context, desired, podTemplates);
    if (!isolates) {
      deleteOwned(context, networkPolicies, GradingNetworkPolicies.name(environment), environment);
    }
    status.status().podTemplate = desired.getMetadata().getName();
    status.placed(true, Reasons.PLACED, "PodTemplate " + desired.getMetadata().getName() + " runs " + image
        + " with RuntimeClass " + runtime.runtimeClassName());
    status.ready();
  }

  /**
   * The managed RuntimeClass, created or corrected from the informer cache. Only the leader
   * reconciles, so only the leader writes it; a class deleted by hand comes back because its
   * delete event wakes the environments using it (RUNTIME_CLASS_INDEX).
   */
  private RuntimeClass ensureRuntimeClass(KubernetesClient client, RuntimeClass desired) {
    return RuntimeClassManager.ensure(client, desired,
        runtimeClasses.get(new ResourceID(desired.getMetadata().getName())).orElse(null));
  }

  /** Every managed RuntimeClass, used or not: run when this replica starts leading (see GradingOperator). */
  void ensureManagedRuntimeClasses(KubernetesClient client) {
    RuntimeClasses.desired(config).forEach(desired -> ensureRuntimeClass(client, desired));
  }

  /**
   * Create, or replace when the cached copy lacks what we want (hand edits are undone, added fields
   * too). The written object goes into the informer cache at once, so the next reconcile neither
   * writes again nor is woken by this write.
   */
  private static <T extends HasMetadata> void apply(Context<GradingEnvironment> context, T desired,
      InformerEventSource<T, GradingEnvironment> informer) {
    T existing = informer.get(ResourceID.fromResource(desired)).orElse(null);
    String what = desired.getKind() + " " + desired.getMetadata().getNamespace() + "/" + desired.getMetadata().getName();
    if (existing == null) {
      LOG.info("Creating {}", what);
      context.resourceOperations().create(desired, informer);
    } else if (!DesiredStateMatcher.satisfies(existing, desired)) {
      LOG.info("Updating {}", what);
      context.resourceOperations().resourcePatch(desired, d -> replace(context.getClient(), d), informer);
    }
  }

  /**
   * PUT without a resourceVersion: an unconditional replace (PodTemplates and NetworkPolicies allow
   * it), never a 409 from a cache that has not seen our last write. Not fabric8's update(): without a
   * resourceVersion, fabric8 7.9.0 GETs the live object first and sends that object's version.
   */
  @SuppressWarnings("unchecked")
  private static <T extends HasMetadata> T replace(KubernetesClient client, T desired) {
    desired.getMetadata().setResourceVersion(null);
    String path = (desired.getApiVersion().contains("/") ? "/apis/" : "/api/") + desired.getApiVersion()
        + "/namespaces/" + desired.getMetadata().getNamespace() + "/" + desired.getPlural() + "/" + desired.getMetadata().getName();
    return (T) client.getKubernetesSerialization().unmarshal(client.raw(path, "PUT", desired), desired.getClass());
  }

  /** Deletes the named object if the cache holds it and this environment owns it. */
  private static <T extends HasMetadata> void deleteOwned(Context<GradingEnvironment> context,
      InformerEventSource<T, GradingEnvironment> informer, String name, GradingEnvironment owner) {
    informer.get(new ResourceID(name, owner.getMetadata().getNamespace()))
        .filter(object -> object.getMetadata().getOwnerReferences().stream().map(OwnerReference::getUid)
            .anyMatch(uid -> uid.equals(owner.getMetadata().getUid())))
        .ifPresent(object -> {
          LOG.info("Deleting {} {}/{}", object.getKind(), object.getMetadata().getNamespace(), object.getMetadata().getName());
          context.getClient().resource(object).delete();
        });
  }

  private void cleanup(GradingEnvironment environment, Context<GradingEnvironment> context) {
    imageSources.forget(environment, clusterView());
    deleteOwned(context, podTemplates, GradingPodTemplates.name(environment), environment);
    deleteOwned(context, networkPolicies, GradingNetworkPolicies.name(environment), environment);
  }

  /**
   * One line for status: the API server's own message for a refused request (fabric8's exception
   * text repeats the URL and the whole Status object), else the exception's message.
   */
  static String describe(Throwable e) {
    return apiErrors(e).filter(k -> k.getStatus() != null && k.getStatus().getMessage() != null).findFirst()
        .map(k -> "the API server refused a request (" + k.getCode() + " " + k.getStatus().getReason() + "): "
            + k.getStatus().getMessage())
        .orElse(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }

  private static boolean isConflict(Throwable e) {
    return apiErrors(e).anyMatch(k -> k.getCode() == HttpURLConnection.HTTP_CONFLICT);
  }

  /** The API server's answers in an exception's cause chain, outermost first. */
  private static java.util.stream.Stream<KubernetesClientException> apiErrors(Throwable e) {
    return java.util.stream.Stream.<Throwable>iterate(e, Objects::nonNull, Throwable::getCause)
        .filter(KubernetesClientException.class::isInstance).map(KubernetesClientException.class::cast);
  }

  @Override
  public ErrorStatusUpdateControl<GradingEnvironment> updateErrorStatus(
      GradingEnvironment environment, Context<GradingEnvironment> context, Exception e) {
    if (isConflict(e)) {
      // a lost write race, not a problem of the environment: JOSDK's retry looks again, status stays
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    String before = statusJson(environment);
    StatusWriter status = new StatusWriter(environment, now());
    if (e instanceof ImageProblem problem) {
      status.built(false, problem.reason(), problem.getMessage());
      status.retrying(problem.reason(), problem.getMessage());
    } else {
      LOG.warn("Reconciling {}/{} failed", environment.getMetadata().getNamespace(), environment.getMetadata().getName(), e);
      status.retrying(Reasons.RECONCILE_ERROR, describe(e));
    }
    return Objects.equals(before, statusJson(environment))
        ? ErrorStatusUpdateControl.noStatusUpdate()
        : ErrorStatusUpdateControl.patchStatus(environment);
  }

  private static UpdateControl<GradingEnvironment> patchIfChanged(GradingEnvironment environment, String before) {
    return Objects.equals(before, statusJson(environment))
        ? UpdateControl.noUpdate()
        : UpdateControl.patchStatus(environment);
  }

  private static String statusJson(GradingEnvironment environment) {
    return environment.getStatus() == null ? "" : SERIALIZATION.asJson(environment.getStatus());
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
