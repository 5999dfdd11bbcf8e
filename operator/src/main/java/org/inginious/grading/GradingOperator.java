package org.inginious.grading;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.image.ImageSources;
import org.inginious.grading.image.common.Backoff;
import org.inginious.grading.image.common.BuildListener;
import org.inginious.grading.image.common.ImageLookup;
import org.inginious.grading.image.common.RegistrySecrets;
import org.inginious.grading.image.dockerfile.KanikoBuilds;
import org.inginious.grading.image.layers.JibImageBuilder;
import org.inginious.grading.image.layers.LayersBuilds;
import org.inginious.grading.image.prebuilt.PrebuiltImages;
import org.inginious.grading.image.registry.ImageResolver;
import org.inginious.grading.reconciler.EnvironmentEvents;
import org.inginious.grading.reconciler.GradingEnvironmentReconciler;
import org.inginious.grading.reconciler.UnreadableEnvironments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JOSDK operator, configured in one place: retry and backoff (JOSDK's retry for unexpected
 * errors, {@link Backoff} for the problems we report in status), re-resolution interval, and
 * server-side apply switched off (the CRUD mock server used in tests answers it with 415; the same
 * setting in production keeps tests and clusters alike, and the end-to-end tier proves these
 * production settings on a real control plane).
 */
public final class GradingOperator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GradingOperator.class);

  /** Knobs that tests shorten; production uses {@link #defaults()}. */
  /**
   * @param tarOutput demo only: write built images as tarballs into this directory instead of
   *     pushing them (null: push to the environment's repository)
   */
  public record Settings(
      Duration initialRetry,
      Duration maxRetry,
      Duration resyncInterval,
      Duration resolutionCache,
      Path tarOutput) {
    public static Settings defaults() {
      return new Settings(
          Duration.ofSeconds(5),
          Duration.ofMinutes(5),
          Duration.ofMinutes(10),
          Duration.ofSeconds(60),
          null);
    }

    public Settings withTarOutput(Path directory) {
      return new Settings(initialRetry, maxRetry, resyncInterval, resolutionCache, directory);
    }
  }

  private final KubernetesClient client;
  private final Operator operator;
  private final LayersBuilds layersBuilds;
  private final GradingEnvironmentReconciler reconciler;
  private final boolean electsLeader;

  public GradingOperator(
      KubernetesClient client, OperatorConfig config, Set<String> namespaces, Settings settings) {
    this(client, config, namespaces, settings, null, null, BuildListener.NONE);
  }

  /**
   * @param metrics JOSDK metrics (see {@code ops.OperatorMetrics}), or null for none
   * @param leaderElection hold this Lease before reconciling (see {@code ops.LeaderElection}), or
   *     null
   * @param builds told about every finished build (metrics)
   */
  public GradingOperator(
      KubernetesClient given,
      OperatorConfig config,
      Set<String> namespaces,
      Settings settings,
      Metrics metrics,
      LeaderElectionConfiguration leaderElection,
      BuildListener builds) {
    // the given client's cluster and credentials, with environments read so that one this version
    // cannot read is reported instead of stopping the informer (UnreadableEnvironments)
    this.client =
        new KubernetesClientBuilder()
            .withConfig(given.getConfiguration())
            .withKubernetesSerialization(UnreadableEnvironments.serialization())
            .build();
    this.electsLeader = leaderElection != null;
    this.operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    // SSA off: the mock tier's CRUD server cannot serve it (see the class comment)
                    .withUseSSAToPatchPrimaryResource(false)
                    .withSSABasedCreateUpdateMatchForDependentResources(false)
                    .withCloseClientOnStop(false)
                    .withStopOnInformerErrorDuringStartup(true)
                    .withCacheSyncTimeout(Duration.ofMinutes(2))
                    .withMetrics(metrics) // null keeps JOSDK's default (none)
                    .withLeaderElectionConfiguration(
                        leaderElection == null
                            ? null
                            : ensuringRuntimeClassesWhenLeading(leaderElection)));
    Clock clock = Clock.systemUTC();
    ImageLookup images = new ImageLookup(new ImageResolver(), clock, settings.resolutionCache());
    RegistrySecrets secrets = new RegistrySecrets(client);
    Backoff backoff = new Backoff(settings.initialRetry(), settings.maxRetry());
    SimpleInboundEventSource<GradingEnvironment> buildCompletions =
        new SimpleInboundEventSource<>("build-completions");
    Path jibCache = Path.of(config.builds().jib().cacheDir());
    this.layersBuilds =
        new LayersBuilds(
            settings.tarOutput() == null
                ? new JibImageBuilder(
                    jibCache.resolve("base-layers"), jibCache.resolve("application-layers"))
                : JibImageBuilder.writingTarballs(
                    jibCache.resolve("base-layers"),
                    jibCache.resolve("application-layers"),
                    settings.tarOutput()),
            config.builds().jib().maxConcurrent(),
            buildCompletions::propagateEvent,
            clock,
            backoff,
            builds);
    KanikoBuilds kanikoBuilds = new KanikoBuilds(client, config.builds(), builds);
    ImageSources imageSources =
        new ImageSources(
            new PrebuiltImages(images, secrets),
            images,
            secrets,
            layersBuilds,
            kanikoBuilds,
            clock);
    this.reconciler =
        new GradingEnvironmentReconciler(
            config,
            imageSources,
            buildCompletions,
            backoff,
            clock,
            new EnvironmentEvents(client, clock));
    GenericRetry retry =
        new GenericRetry()
            .setInitialInterval(settings.initialRetry().toMillis())
            .setIntervalMultiplier(2)
            .setMaxInterval(settings.maxRetry().toMillis())
            .withoutMaxAttempts();
    operator.register(
        reconciler,
        c -> {
          c.withRetry(retry).withReconciliationMaxInterval(settings.resyncInterval());
          if (namespaces.isEmpty()) {
            c.watchingAllNamespaces();
          } else {
            c.settingNamespaces(namespaces);
          }
        });
  }

  /**
   * Starts the informers and, without leader election, reconciling. The managed RuntimeClasses are
   * ensured by whichever replica reconciles: here, or when it starts leading.
   */
  public GradingOperator start() {
    operator.start(); // returns once the informers are synced
    if (!electsLeader) {
      ensureManagedRuntimeClasses();
    }
    return this;
  }

  /** Creates or corrects every managed RuntimeClass, also those no environment uses yet. */
  private void ensureManagedRuntimeClasses() {
    try {
      reconciler.ensureManagedRuntimeClasses(client);
    } catch (RuntimeException e) {
      // environments still ensure the class they use, and report in their status what fails
      LOG.warn("Could not create or correct the managed RuntimeClasses", e);
    }
  }

  /**
   * The election with one more step when this replica starts leading: the managed RuntimeClasses,
   * on a thread of their own (JOSDK starts reconciling right after this callback; an API call must
   * not hold up the elector).
   */
  private LeaderElectionConfiguration ensuringRuntimeClassesWhenLeading(
      LeaderElectionConfiguration election) {
    LeaderCallbacks given =
        election.getLeaderCallbacks().orElse(new LeaderCallbacks(() -> {}, () -> {}, leader -> {}));
    Runnable startLeading =
        () -> {
          given.onStartLeading();
          Thread ensure = new Thread(this::ensureManagedRuntimeClasses, "managed-runtimeclasses");
          ensure.setDaemon(true);
          ensure.start();
        };
    LeaderElectionConfigurationBuilder builder =
        LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(election.getLeaseName())
            .withLeaseDuration(election.getLeaseDuration())
            .withRenewDeadline(election.getRenewDeadline())
            .withRetryPeriod(election.getRetryPeriod())
            .withLeaderCallbacks(
                new LeaderCallbacks(startLeading, given::onStopLeading, given::onNewLeader));
    election.getLeaseNamespace().ifPresent(builder::withLeaseNamespace);
    election.getIdentity().ifPresent(builder::withIdentity);
    return builder.buildForTest(
        election
            .isExitOnStopLeading()); // build() would drop exitOnStopLeading (ops.LeaderElection)
  }

  public Operator operator() {
    return operator;
  }

  @Override
  public void close() {
    operator.stop();
    layersBuilds.close();
    client.close();
  }
}
