package org.inginious.grading.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.inginious.grading.ops.OpsTesting.FAST;
import static org.inginious.grading.ops.OpsTesting.get;
import static org.inginious.grading.ops.OpsTesting.invalidEnvironment;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.testing.MockCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two real operators against one mock API server: one holds the Lease and reconciles. */
class LeaderElectionTest {
  static final String LEASE_NAMESPACE = "grading-system";
  static final LeaderElection.Timings SHORT =
      new LeaderElection.Timings(
          Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMillis(250));
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  MockCluster cluster;
  final List<Replica> replicas = new ArrayList<>();

  /** One operator replica: its own client, metrics, election state and probes. */
  final class Replica implements AutoCloseable {
    final KubernetesClient client = cluster.newClient();
    final OperatorMetrics metrics = new OperatorMetrics();
    final LeaderElection election;
    final GradingOperator operator;
    final OperatorHttpServer http;

    Replica(String identity) {
      election = LeaderElection.of(LEASE_NAMESPACE, identity, SHORT, false);
      metrics.bindLeaderElection(election);
      operator =
          new GradingOperator(
              client,
              OperatorConfig.defaults(),
              Set.of(),
              FAST,
              metrics.josdkMetrics(),
              election.configuration(),
              metrics::recordBuild);
      http =
          new OperatorHttpServer(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
              operator.operator(),
              metrics,
              election);
      http.start();
      replicas.add(this);
    }

    double reconciliationsOf() {
      return metrics.registry().find("reconciliations.started.total").counters().stream()
          .mapToDouble(Counter::count)
          .sum();
    }

    @Override
    public void close() {
      operator.close();
      http.close();
      metrics.close();
      client.close();
    }
  }

  @BeforeEach
  void cluster() {
    cluster = new MockCluster();
    // Before electing, JOSDK asks the API server (SelfSubjectRulesReview) whether it may use the
    // Lease. The CRUD store cannot compute that answer: give the one the chart's Role yields.
    cluster
        .server()
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, leaseRules())
        .always();
  }

  static SelfSubjectRulesReview leaseRules() {
    return new SelfSubjectRulesReviewBuilder()
        .withNewSpec()
        .withNamespace(LEASE_NAMESPACE)
        .endSpec()
        .withNewStatus()
        .withIncomplete(false)
        .addToResourceRules(
            new ResourceRuleBuilder() // geo.rbac.leaderElectionRules in the chart
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("get", "create", "update", "patch")
                .build())
        .endStatus()
        .build();
  }

  @AfterEach
  void stop() {
    replicas.forEach(Replica::close);
    cluster.close();
  }

  private GradingEnvironment status(String name) {
    return cluster
        .client()
        .resources(GradingEnvironment.class)
        .inNamespace("grading")
        .withName(name)
        .get();
  }

  private RuntimeClass runtimeClass(String name) {
    return cluster.client().resources(RuntimeClass.class).withName(name).get();
  }

  private void awaitStatus(String name) {
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(status(name).getStatus()).isNotNull());
  }

  @Test
  void onlyTheLeaderReconcilesAndTheStandbyTakesOverWhenItStops() {
    Replica a = new Replica("replica-a");
    Replica b = new Replica("replica-b");
    a.operator.start();
    b.operator.start();

    await().atMost(TIMEOUT).until(() -> a.election.isLeader() || b.election.isLeader());
    Replica leader = a.election.isLeader() ? a : b;
    Replica standby = leader == a ? b : a;
    assertThat(standby.election.isLeader()).isFalse();
    Lease lease =
        cluster
            .client()
            .leases()
            .inNamespace(LEASE_NAMESPACE)
            .withName(LeaderElection.LEASE_NAME)
            .get();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(leader.election.identity());

    // both replicas are ready: a standby waiting for the Lease must not block a rolling update
    var leaderReady = get(leader.http.port(), "/readyz");
    var standbyReady = get(standby.http.port(), "/readyz");
    assertThat(leaderReady.statusCode()).isEqualTo(200);
    assertThat(leaderReady.body()).contains("leader (" + leader.election.identity());
    assertThat(standbyReady.statusCode()).isEqualTo(200);
    assertThat(standbyReady.body())
        .contains("standby (" + standby.election.identity() + ")")
        .contains("held by " + leader.election.identity());
    assertThat(get(standby.http.port(), "/healthz").statusCode()).isEqualTo(200);
    assertThat(get(leader.http.port(), "/metrics").body()).contains("grading_operator_leader 1.0");
    assertThat(get(standby.http.port(), "/metrics").body()).contains("grading_operator_leader 0.0");

    cluster.client().resource(invalidEnvironment("first")).create();
    awaitStatus("first");
    await().atMost(TIMEOUT).until(() -> leader.reconciliationsOf() > 0);
    assertThat(standby.reconciliationsOf()).isZero();

    // the leader creates the managed RuntimeClasses, used or not; a new leader makes them right
    // again
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(runtimeClass("runc")).isNotNull());
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(runtimeClass("crun")).isNotNull());
    cluster
        .client()
        .resources(RuntimeClass.class)
        .withName("crun")
        .delete(); // no environment uses it

    leader.close();
    await().atMost(TIMEOUT).until(standby.election::isLeader);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(runtimeClass("crun")).isNotNull());
    cluster.client().resource(invalidEnvironment("second")).create();
    awaitStatus("second");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(
                        standby.metrics.registry().find("reconciliations.started.total").counters())
                    .isNotEmpty());
    assertThat(
            cluster
                .client()
                .leases()
                .inNamespace(LEASE_NAMESPACE)
                .withName(LeaderElection.LEASE_NAME)
                .get()
                .getSpec()
                .getHolderIdentity())
        .isEqualTo(standby.election.identity());
  }

  @Test
  void environmentDecidesWhetherToElect() {
    assertThat(LeaderElection.fromEnvironment(Map.of())).isEmpty();
    assertThat(LeaderElection.fromEnvironment(Map.of("LEADER_ELECTION", "true", "POD_NAME", "p-1")))
        .hasValueSatisfying(e -> assertThat(e.identity()).isEqualTo("p-1"));
    assertThat(LeaderElection.fromEnvironment(Map.of("POD_NAMESPACE", "ops", "POD_NAME", "p-2")))
        .hasValueSatisfying(
            e -> {
              assertThat(e.identity()).isEqualTo("p-2");
              assertThat(e.configuration().getLeaseNamespace()).contains("ops");
              assertThat(e.configuration().getLeaseName()).isEqualTo(LeaderElection.LEASE_NAME);
              assertThat(e.configuration().isExitOnStopLeading())
                  .isFalse(); // our callback exits, not JOSDK
            });
    assertThat(
            LeaderElection.fromEnvironment(
                Map.of("POD_NAMESPACE", "ops", "LEADER_ELECTION", "false")))
        .isEmpty();
    assertThat(LeaderElection.fromEnvironment(Map.of("POD_NAMESPACE", "ops", "HOSTNAME", "host-1")))
        .hasValueSatisfying(e -> assertThat(e.identity()).isEqualTo("host-1"));
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> LeaderElection.fromEnvironment(Map.of("LEADER_ELECTION", "yes")))
        .withMessageContaining("LEADER_ELECTION");
  }
}
