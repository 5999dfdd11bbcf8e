package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentValidator;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.image.ImageSources;
import org.inginious.grading.image.common.Backoff;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.common.Outcome;
import org.inginious.grading.placement.GradingNetworkPolicies;
import org.inginious.grading.placement.GradingPodTemplates;
import org.inginious.grading.placement.ResolvedRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observe, validate, obtain the image, place, record: one environment at a time, status written
 * only when it changed.
 */
/*
 * No finalizer: the spec and metadata belong to GitOps, and deleting an environment must not depend
 * on the operator running. Owner references let the cluster's garbage collector remove what we
 * created; reconciling on delete events as well tidies up at once.
 */
@ControllerConfiguration(
    name = GradingEnvironmentReconciler.NAME,
    triggerReconcilerOnAllEvents = true)
public class GradingEnvironmentReconciler implements Reconciler<GradingEnvironment> {
  public static final String NAME = "gradingenvironment";
  private static final Logger LOG = LoggerFactory.getLogger(GradingEnvironmentReconciler.class);

  /** How soon a reconcile that lost a write race (409) looks again. */
  private static final Duration AFTER_CONFLICT = Duration.ofSeconds(1);

  /** Who keeps a shared environmentName: the oldest, then the first by name. */
  private static final Comparator<GradingEnvironment> OLDEST_FIRST =
      Comparator.comparing(
              (GradingEnvironment e) -> e.getMetadata().getCreationTimestamp(),
              Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(e -> e.getMetadata().getName());

  private final OperatorConfig config;
  private final ImageSources imageSources;
  private final SimpleInboundEventSource<GradingEnvironment> buildCompletions;
  private final Backoff backoff;
  private final Clock clock;
  private final EnvironmentEvents events;
  private EnvironmentEventSources sources;
  private InformerClusterView clusterView;
  private EnvironmentPlacement placement;

  /**
   * @param buildCompletions where finished in-process builds announce themselves (an event for the
   *     environment that started them)
   */
  public GradingEnvironmentReconciler(
      OperatorConfig config,
      ImageSources imageSources,
      SimpleInboundEventSource<GradingEnvironment> buildCompletions,
      Backoff backoff,
      Clock clock,
      EnvironmentEvents events) {
    this.config = config;
    this.imageSources = imageSources;
    this.buildCompletions = buildCompletions;
    this.backoff = backoff;
    this.clock = clock;
    this.events = events;
  }

  @Override
  public List<EventSource<?, GradingEnvironment>> prepareEventSources(
      EventSourceContext<GradingEnvironment> context) {
    sources =
        new EnvironmentEventSources(
            context,
            buildCompletions,
            this::runtimeClassNameOf,
            environment -> placement.requirementsOf(environment));
    clusterView = new InformerClusterView(context.getPrimaryCache(), sources);
    placement = new EnvironmentPlacement(config, sources);
    return sources.all();
  }

  private String runtimeClassNameOf(GradingEnvironment environment) {
    try {
      return ResolvedRuntime.resolve(
              environment.getSpec() == null ? null : environment.getSpec().grading, config)
          .runtimeClassName();
    } catch (RuntimeException e) {
      return "";
    }
  }

  @Override
  public UpdateControl<GradingEnvironment> reconcile(
      GradingEnvironment environment, Context<GradingEnvironment> context) {
    if (context.isPrimaryResourceDeleted()) {
      cleanup(environment, context);
      return UpdateControl.noUpdate();
    }
    StatusRecord record = new StatusRecord(environment, context);
    StatusWriter status = new StatusWriter(environment, now());
    Optional<Duration> lookAgain;
    try {
      lookAgain = reconcile(environment, status, context);
    } catch (KubernetesClientException e) {
      if (!ApiErrors.isConflict(e)) {
        throw e;
      }
      // Someone wrote first, or the cache had not seen a write yet: look again soon, status
      // untouched.
      LOG.debug(
          "Write conflict reconciling {}; looking again", EnvironmentEventSources.key(environment));
      return UpdateControl.<GradingEnvironment>noUpdate().rescheduleAfter(AFTER_CONFLICT);
    }
    if (record.write(environment)) {
      sources.wakeRelatedTo(environment);
      sources.recheckPrePull(environment);
      sources.recheckScheduling(environment);
      events.record(environment, record.before(), environment.getStatus());
    }
    return lookAgain
        .map(UpdateControl.<GradingEnvironment>noUpdate()::rescheduleAfter)
        .orElse(UpdateControl.noUpdate());
  }

  /**
   * Observe, validate, obtain the image, place; returns when to look again, if the status cannot
   * wait for an event.
   */
  private Optional<Duration> reconcile(
      GradingEnvironment environment, StatusWriter status, Context<GradingEnvironment> context) {
    Optional<String> unreadable = UnreadableEnvironments.problem(environment);
    if (unreadable.isPresent()) {
      if (!Conditions.find(status.status().conditions, Conditions.READY)
          .map(c -> ConditionReasons.UNSUPPORTED_SPEC.equals(c.getReason()))
          .orElse(false)) {
        LOG.warn("Skipping {}: {}", EnvironmentEventSources.key(environment), unreadable.get());
      }
      status.stalled(
          ConditionReasons.UNSUPPORTED_SPEC,
          unreadable.get()
              + ": this operator version cannot read it (is the CRD"
              + " newer than the operator?); upgrade the operator or change the spec");
      return Optional.empty();
    }
    List<String> problems = GradingEnvironmentValidator.validate(environment);
    if (!problems.isEmpty()) {
      status.stalled(ConditionReasons.INVALID_SPEC, String.join("; ", problems));
      return Optional.empty();
    }
    Optional<GradingEnvironment> nameHolder = olderWithSameEnvironmentName(environment);
    if (nameHolder.isPresent()) {
      // one PodTemplate per environment id: the grader could not tell two apart
      OwnedObjects.deleteOwned(
          context, sources.podTemplates, GradingPodTemplates.name(environment), environment);
      status.status().podTemplate = null;
      status.stalled(
          ConditionReasons.ENVIRONMENT_NAME_CONFLICT,
          "spec.environmentName: '"
              + environment.environmentName()
              + "' is also the environment name of "
              + EnvironmentEventSources.key(nameHolder.get())
              + ", which is older and keeps serving it; give one of them another spec.environmentName");
      return Optional.empty();
    }
    Outcome outcome;
    try {
      outcome = imageSources.obtain(environment, clusterView);
    } catch (ImageProblem problem) {
      if (problem.reason().equals(ConditionReasons.BASE_NOT_FOUND)
          || problem.reason().equals(ConditionReasons.BASE_CYCLE)) {
        status.baseReady(false, problem.reason(), problem.getMessage());
      }
      status.built(false, problem.reason(), problem.getMessage());
      if (problem.retryable()) {
        status.retrying(problem.reason(), problem.getMessage());
        return Optional.of(backoff.next(status.retryingSince(), clock.instant()));
      }
      status.stalled(problem.reason(), problem.getMessage());
      return Optional.empty();
    }
    recordBase(environment, outcome, status);
    if (outcome instanceof Outcome.Waiting waiting) {
      status.status().build = waiting.build() != null ? waiting.build() : status.status().build;
      status.waiting(waiting.phase(), waiting.reason(), waiting.message());
      return Optional.empty();
    }
    if (outcome instanceof Outcome.BuildFailed failed) {
      status.status().build = failed.build();
      status.built(false, failed.reason(), failed.message());
      if (failed.retryAfter() == null) {
        // retried when something changes: the spec, a watched object, the failed Job deleted
        status.stalled(failed.reason(), failed.message());
        return Optional.empty();
      }
      // no countdown in the message: it would make every retry a status write
      status.stalled(failed.reason(), failed.message() + " (retried with backoff)");
      return Optional.of(failed.retryAfter().isNegative() ? Duration.ZERO : failed.retryAfter());
    }
    Outcome.Available available = (Outcome.Available) outcome;
    status.status().image = available.image();
    status.status().buildHash = available.buildHash();
    status.status().build = available.build();
    status.built(true, available.reason(), available.message());
    placement.place(environment, available.image(), status, context);
    return Optional.empty();
  }

  /** The environment that keeps this one's environmentName, when it is not this one. */
  private Optional<GradingEnvironment> olderWithSameEnvironmentName(
      GradingEnvironment environment) {
    return sources.sharingEnvironmentName(environment).stream()
        .min(OLDEST_FIRST)
        .filter(
            oldest ->
                !ResourceID.fromResource(oldest).equals(ResourceID.fromResource(environment)));
  }

  /**
   * Condition BaseReady, for environments built on another environment: False while the base is
   * missing, in a cycle, rebuilding or failed (the environment then stays on its last good image),
   * True once this environment is built from the base's current digest.
   */
  private static void recordBase(
      GradingEnvironment environment, Outcome outcome, StatusWriter status) {
    var base = environment.getSpec().build.base;
    if (base == null || base.environment == null) {
      status.status().conditions.removeIf(c -> Conditions.BASE_READY.equals(c.getType()));
      return;
    }
    if (outcome instanceof Outcome.Available available && available.baseNotice() != null) {
      status.baseReady(false, available.baseNotice().reason(), available.baseNotice().message());
    } else if (outcome instanceof Outcome.Waiting waiting
        && (waiting.reason().equals(ConditionReasons.WAITING_FOR_BASE)
            || waiting.reason().equals(ConditionReasons.BASE_FAILED))) {
      status.baseReady(false, waiting.reason(), waiting.message());
    } else {
      status.baseReady(
          true,
          ConditionReasons.BASE_READY,
          "base environment "
              + environment.getMetadata().getNamespace()
              + "/"
              + base.environment
              + " is Ready");
    }
  }

  /**
   * Every managed RuntimeClass, used or not: run when this replica starts leading (see
   * GradingOperator).
   */
  public void ensureManagedRuntimeClasses(KubernetesClient client) {
    placement.ensureManagedRuntimeClasses(client);
  }

  private void cleanup(GradingEnvironment environment, Context<GradingEnvironment> context) {
    imageSources.forget(environment, clusterView);
    OwnedObjects.deleteOwned(
        context, sources.podTemplates, GradingPodTemplates.name(environment), environment);
    OwnedObjects.deleteOwned(
        context, sources.networkPolicies, GradingNetworkPolicies.name(environment), environment);
    placement.leave(context, environment);
    sources.wakeRelatedTo(environment);
  }

  @Override
  public ErrorStatusUpdateControl<GradingEnvironment> updateErrorStatus(
      GradingEnvironment environment, Context<GradingEnvironment> context, Exception e) {
    if (ApiErrors.isConflict(e)) {
      // a lost write race, not a problem of the environment: JOSDK's retry looks again, status
      // stays
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    StatusRecord record = new StatusRecord(environment, context);
    StatusWriter status = new StatusWriter(environment, now());
    if (e instanceof ImageProblem problem) {
      status.built(false, problem.reason(), problem.getMessage());
      status.retrying(problem.reason(), problem.getMessage());
    } else {
      LOG.warn("Reconciling {} failed", EnvironmentEventSources.key(environment), e);
      status.retrying(ConditionReasons.RECONCILE_ERROR, ApiErrors.describe(e));
    }
    return record.unchanged(environment)
        ? ErrorStatusUpdateControl.noStatusUpdate()
        : ErrorStatusUpdateControl.patchStatus(environment);
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
