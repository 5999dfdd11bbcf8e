package org.inginious.grading.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.ops.LeaderElection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two replicas, one Lease: kill -9 of the leader while a build runs; the standby takes over within
 * the lease duration, adopts the build, and no build runs twice.
 */
@Order(4)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HighAvailabilityIT {
  static final String NS = "e2e-ha";
  static final Duration LEASE_DURATION = LeaderElection.Timings.defaults().leaseDuration();

  /**
   * A standby tries to acquire the Lease every retry period plus a jitter of up to 1.2 of it
   * (fabric8's LeaderElector, as client-go's): it sees the expiry at most that late.
   */
  static final Duration STANDBY_POLL =
      Duration.ofMillis((long) (LeaderElection.Timings.defaults().retryPeriod().toMillis() * 2.2));

  static ClassFixture fixture;
  static KubernetesClient admin;
  static OperatorProcess first;
  static OperatorProcess second;

  @BeforeAll
  static void start() {
    fixture = ClassFixture.open(NS, Map.of());
    admin = fixture.admin;
    first = fixture.startOperator("ha-a");
    second = fixture.startOperator("ha-b");
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  @Order(1)
  void theStandbyTakesOverWithinTheLeaseDurationAndNoBuildRunsTwice() {
    await()
        .atMost(LEASE_DURATION.multipliedBy(3))
        .until(() -> first.isLeader() || second.isLeader());
    OperatorProcess leader = first.isLeader() ? first : second;
    OperatorProcess standby = leader == first ? second : first;
    assertThat(standby.isLeader()).as("one leader").isFalse();
    assertThat(holder()).isEqualTo(leader.name());

    AuditLog audit = new AuditLog(fixture.installation.cluster().auditLog());
    long mark = audit.mark();
    Scenarios.startHeldBuild(admin, NS, "ha", fixture.registry.host(), "10s");

    long killed = System.nanoTime();
    leader.kill();
    // the lease runs from its last renewal, which was before the kill
    Instant lastRenewal = lease().getSpec().getRenewTime().toInstant();
    await()
        .atMost(LEASE_DURATION.multipliedBy(2))
        .pollInterval(Duration.ofMillis(100))
        .until(standby::isLeader);
    Duration sinceKill = Duration.ofNanos(System.nanoTime() - killed);
    // when the standby took the Lease, by its own record (no polling delay of this test in it)
    Duration sinceRenewal =
        Duration.between(lastRenewal, lease().getSpec().getAcquireTime().toInstant());
    System.out.printf(
        "standby %s took over the Lease %d ms after the last renewal of %s (lease duration %d s);"
            + " it reconciled %d ms after the kill -9%n",
        standby.name(),
        sinceRenewal.toMillis(),
        leader.name(),
        LEASE_DURATION.toSeconds(),
        sinceKill.toMillis());
    assertThat(sinceRenewal)
        .as("takeover after the dead leader's last renewal")
        .isLessThanOrEqualTo(LEASE_DURATION.plus(STANDBY_POLL));
    assertThat(holder()).isEqualTo(standby.name());

    GradingEnvironment ha = Scenarios.awaitReady(admin, NS, "ha");
    List<AuditLog.Request> jobCreates =
        audit.requestsSince(mark).stream()
            .filter(r -> r.verb().equals("create") && r.resource().equals("jobs"))
            .toList();
    assertThat(jobCreates)
        .as("build Jobs created across both replicas")
        .hasSize(1)
        .allSatisfy(
            r ->
                assertThat(r.name().isEmpty() ? ha.getStatus().build.name : r.name())
                    .isEqualTo(ha.getStatus().build.name));
    assertThat(admin.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
  }

  @Test
  @Order(2)
  void aGracefulStopHandsTheLeaseOverAtOnce() {
    OperatorProcess leader =
        first.isAlive() && first.isLeader()
            ? first
            : second.isAlive() && second.isLeader() ? second : null;
    if (leader == null) {
      await()
          .atMost(LEASE_DURATION.multipliedBy(3))
          .until(
              () ->
                  (first.isAlive() && first.isLeader()) || (second.isAlive() && second.isLeader()));
      leader = first.isAlive() && first.isLeader() ? first : second;
    }
    OperatorProcess standby = fixture.startOperator("ha-c");
    assertThat(standby.isLeader()).isFalse();
    long stopped = System.nanoTime();
    leader.close(); // SIGTERM, as a rolling update stops the old pod: it releases the Lease
    await().atMost(LEASE_DURATION).pollInterval(Duration.ofMillis(100)).until(standby::isLeader);
    Duration handover = Duration.ofNanos(System.nanoTime() - stopped);
    System.out.printf(
        "graceful stop of %s: %s leads %d ms later (lease duration %d s)%n",
        leader.name(), standby.name(), handover.toMillis(), LEASE_DURATION.toSeconds());
    assertThat(handover)
        .as("handover after a graceful stop: the Lease was released, not left to expire")
        .isLessThan(LEASE_DURATION.dividedBy(2));
    if (leader == first) {
      first = standby;
    } else {
      second = standby;
    }
  }

  private Lease lease() {
    return admin
        .leases()
        .inNamespace(ControlPlane.OPERATOR_NAMESPACE)
        .withName(LeaderElection.LEASE_NAME)
        .get();
  }

  private String holder() {
    Lease lease = lease();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }
}
