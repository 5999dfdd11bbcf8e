package org.inginious.grading.ops;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetricsV2;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The operator's metrics, scraped from /metrics in Prometheus text format:
 *
 * <ul>
 *   <li>JOSDK's reconciliation metrics ({@link MicrometerMetricsV2}, by {@code controller_name} and
 *       {@code namespace}): {@code reconciliations_started_total}, {@code _success_total}, {@code
 *       _failure_total}, {@code _retries_total}, {@code reconciliations_active}, {@code
 *       reconciliations_queue}, {@code reconciliations_execution_duration_seconds}, {@code
 *       events_received_total}, {@code custom_resources};
 *   <li>{@code grading_builds_seconds{strategy,outcome}}: image builds, see {@link #recordBuild};
 *   <li>{@code grading_operator_leader}: 1 on the replica that reconciles;
 *   <li>JVM and process metrics ({@code jvm_*}, {@code process_*}, {@code system_*}).
 * </ul>
 */
public final class OperatorMetrics implements AutoCloseable {
  public static final String BUILDS = "grading.builds";
  public static final String LEADER = "grading.operator.leader";
  public static final String STRATEGY_JIB = "jib";
  public static final String STRATEGY_KANIKO = "kaniko";
  public static final String OUTCOME_SUCCEEDED = "succeeded";
  public static final String OUTCOME_FAILED = "failed";
  public static final String OUTCOME_TIMEOUT = "timeout";
  private static final Set<String> STRATEGIES = Set.of(STRATEGY_JIB, STRATEGY_KANIKO);
  private static final Set<String> OUTCOMES =
      Set.of(OUTCOME_SUCCEEDED, OUTCOME_FAILED, OUTCOME_TIMEOUT);

  /**
   * Bucket bounds for builds: jib builds take seconds, Kaniko builds minutes (timeout 30m by
   * default).
   */
  private static final Duration[] BUILD_BUCKETS = {
    Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30),
    Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
    Duration.ofMinutes(20), Duration.ofMinutes(30), Duration.ofMinutes(60)
  };

  private final PrometheusMeterRegistry registry;
  private final Metrics josdkMetrics;
  private final JvmGcMetrics gcMetrics;

  public OperatorMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    josdkMetrics = MicrometerMetricsV2.newBuilder(registry).withNamespaceAsTag().build();
  }

  /** For {@code ConfigurationServiceOverrider.withMetrics}: JOSDK's reconciliation metrics. */
  public Metrics josdkMetrics() {
    return josdkMetrics;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Everything in Prometheus text format 0.0.4. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * Records one finished image build as {@code grading_builds_seconds{strategy,outcome}}.
   *
   * @param strategy {@value #STRATEGY_JIB} or {@value #STRATEGY_KANIKO}
   * @param outcome {@value #OUTCOME_SUCCEEDED}, {@value #OUTCOME_FAILED} or {@value
   *     #OUTCOME_TIMEOUT}
   */
  public void recordBuild(String strategy, String outcome, Duration duration) {
    if (!STRATEGIES.contains(strategy)) {
      throw new IllegalArgumentException(
          "build strategy must be one of " + STRATEGIES + ", not " + strategy);
    }
    if (!OUTCOMES.contains(outcome)) {
      throw new IllegalArgumentException(
          "build outcome must be one of " + OUTCOMES + ", not " + outcome);
    }
    Objects.requireNonNull(duration, "duration");
    Timer.builder(BUILDS)
        .description("Image builds by strategy and outcome")
        .tags("strategy", strategy, "outcome", outcome)
        .serviceLevelObjectives(BUILD_BUCKETS)
        .register(registry)
        .record(duration.isNegative() ? Duration.ZERO : duration);
  }

  /**
   * {@code grading_operator_leader}: 1 while this replica reconciles (always 1 without election).
   */
  public void bindLeaderElection(LeaderElection election) {
    Gauge.builder(LEADER, () -> election == null || election.isLeader() ? 1 : 0)
        .description("1 on the replica that holds the leader Lease and reconciles, 0 on a standby")
        .register(registry);
  }

  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
