package org.inginious.grading.ops;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election with a {@code coordination.k8s.io} Lease, so that several replicas can run with
 * one reconciling. Every replica starts its informers (so a standby is warm and ready); only the
 * holder of the Lease processes events. Also tracks who leads, for /readyz and the {@code
 * grading_operator_leader} gauge.
 *
 * <p>From the environment ({@link #fromEnvironment}):
 *
 * <ul>
 *   <li>{@code LEADER_ELECTION=true|false} switches it on or off. When unset, it is on exactly when
 *       {@code POD_NAMESPACE} is set: the chart sets both (on by default); a developer running
 *       {@code run} locally against a cluster has neither and gets no election.
 *   <li>{@code POD_NAMESPACE}: the Lease's namespace (else the client's current namespace).
 *   <li>{@code POD_NAME}: this replica's identity (else {@code HOSTNAME}, else the host name).
 * </ul>
 *
 * <p>A replica that loses the Lease exits with status 1, so two replicas never reconcile at once;
 * Kubernetes restarts it as a standby. JOSDK 5.3.2's own switch for this is not used: its {@code
 * LeaderElectionConfigurationBuilder.build()} turns it off (fixed upstream later, JOSDK PR 3619),
 * and when on it calls {@code System.exit} from {@code Operator.stop()} on the stopping thread,
 * which hangs a JVM shutdown hook. Here the exit runs on a thread of its own instead.
 */
public final class LeaderElection {
  public static final String LEASE_NAME = "grading-environment-operator";
  public static final String ENV_ENABLED = "LEADER_ELECTION";
  public static final String ENV_NAMESPACE = "POD_NAMESPACE";
  public static final String ENV_POD_NAME = "POD_NAME";
  private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

  /** Lease timings; production uses {@link #defaults()} (JOSDK's and client-go's defaults). */
  public record Timings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    public static Timings defaults() {
      return new Timings(
          LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
          LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
          LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE);
    }
  }

  private final String leaseNamespace;
  private final String identity;
  private final Timings timings;
  private final boolean exitOnStopLeading;
  private volatile boolean leader;
  private volatile String currentLeader;

  private LeaderElection(
      String leaseNamespace, String identity, Timings timings, boolean exitOnStopLeading) {
    this.leaseNamespace = leaseNamespace;
    this.identity = Objects.requireNonNull(identity, "identity");
    this.timings = Objects.requireNonNull(timings, "timings");
    this.exitOnStopLeading = exitOnStopLeading;
  }

  /**
   * @param leaseNamespace namespace of the Lease; null = the Kubernetes client's namespace
   * @param exitOnStopLeading exit the JVM (status 1) when the Lease is lost or released
   *     (production); tests say false
   */
  public static LeaderElection of(
      String leaseNamespace, String identity, Timings timings, boolean exitOnStopLeading) {
    return new LeaderElection(blankToNull(leaseNamespace), identity, timings, exitOnStopLeading);
  }

  /**
   * Leader election as the environment asks (see the class comment), or empty when it is off.
   *
   * @throws IllegalArgumentException when LEADER_ELECTION is neither true nor false
   */
  public static Optional<LeaderElection> fromEnvironment(Map<String, String> env) {
    if (!enabled(env)) {
      return Optional.empty();
    }
    return Optional.of(of(env.get(ENV_NAMESPACE), identity(env), Timings.defaults(), true));
  }

  static boolean enabled(Map<String, String> env) {
    String value = blankToNull(env.get(ENV_ENABLED));
    if (value == null) {
      return blankToNull(env.get(ENV_NAMESPACE)) != null;
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException(
            ENV_ENABLED + " must be true or false, not '" + value + "'");
    }
  }

  static String identity(Map<String, String> env) {
    String pod = blankToNull(env.get(ENV_POD_NAME));
    if (pod != null) {
      return pod;
    }
    String host = blankToNull(env.get("HOSTNAME"));
    if (host != null) {
      return host;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "grading-environment-operator-" + UUID.randomUUID();
    }
  }

  /** JOSDK's configuration for this election; its callbacks keep {@link #isLeader()} current. */
  public LeaderElectionConfiguration configuration() {
    LeaderElectionConfigurationBuilder builder =
        LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME)
            .withIdentity(identity)
            .withLeaseDuration(timings.leaseDuration())
            .withRenewDeadline(timings.renewDeadline())
            .withRetryPeriod(timings.retryPeriod())
            .withLeaderCallbacks(
                new LeaderCallbacks(
                    () -> {
                      leader = true;
                      LOG.info("{} acquired Lease {}: reconciling", identity, lease());
                    },
                    this::stoppedLeading,
                    newLeader -> currentLeader = newLeader));
    if (leaseNamespace != null) {
      builder.withLeaseNamespace(leaseNamespace);
    }
    return builder.buildForTest(false); // JOSDK never exits; stoppedLeading() does
  }

  private void stoppedLeading() {
    leader = false;
    if (!exitOnStopLeading) {
      LOG.info("{} no longer holds Lease {}", identity, lease());
      return;
    }
    LOG.warn(
        "{} no longer holds Lease {}: exiting so that only the new leader reconciles",
        identity,
        lease());
    // Not on this thread: it may be the one running Operator.stop() inside a shutdown hook, where
    // System.exit would block for ever. During a shutdown this thread just waits for the JVM to
    // end.
    Thread exit = new Thread(() -> System.exit(1), "exit-on-lost-lease");
    exit.setDaemon(true);
    exit.start();
  }

  /**
   * Gives the Lease up once this replica has stopped reconciling, as client-go's ReleaseOnCancel
   * does, so that the next replica of a rolling update leads at once instead of after the lease
   * duration (JOSDK 5.3.2 never releases it). Only a Lease this replica still holds is touched.
   */
  public void release(KubernetesClient client) {
    String namespace = leaseNamespace != null ? leaseNamespace : client.getNamespace();
    try {
      Lease lease = client.leases().inNamespace(namespace).withName(LEASE_NAME).get();
      if (lease == null
          || lease.getSpec() == null
          || !identity.equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      lease.getSpec().setHolderIdentity(null);
      lease.getSpec().setLeaseDurationSeconds(1);
      client
          .resource(lease)
          .patch(); // fails on a concurrent change (resourceVersion): then it is not ours any more
      LOG.info("{} released Lease {}", identity, lease());
    } catch (KubernetesClientException e) {
      LOG.warn(
          "{} could not release Lease {}: {} (the next leader waits for it to expire)",
          identity,
          lease(),
          e.getMessage());
    }
  }

  public String identity() {
    return identity;
  }

  /** True while this replica holds the Lease and reconciles. */
  public boolean isLeader() {
    return leader;
  }

  /** The identity last seen holding the Lease, if any. */
  public Optional<String> currentLeader() {
    return Optional.ofNullable(currentLeader);
  }

  /** One line for /readyz: leader, or standby and whom it waits for. */
  public String describe() {
    if (leader) {
      return "leader (" + identity + ", Lease " + lease() + ")";
    }
    return "standby ("
        + identity
        + "), waiting for Lease "
        + lease()
        + currentLeader().filter(l -> !l.equals(identity)).map(l -> " held by " + l).orElse("");
  }

  private String lease() {
    return (leaseNamespace == null ? "" : leaseNamespace + "/") + LEASE_NAME;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
