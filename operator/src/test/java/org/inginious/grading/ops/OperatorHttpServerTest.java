package org.inginious.grading.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;
import static org.inginious.grading.ops.OpsTesting.FAST;
import static org.inginious.grading.ops.OpsTesting.get;
import static org.inginious.grading.ops.OpsTesting.invalidEnvironment;
import static org.inginious.grading.ops.OpsTesting.send;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.reconciler.Conditions;
import org.inginious.grading.testing.MockCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The probes and /metrics of the real operator running against the mock API server. */
class OperatorHttpServerTest {
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  MockCluster cluster;
  OperatorMetrics metrics;
  GradingOperator operator;
  OperatorHttpServer http;

  @BeforeEach
  void start() {
    cluster = new MockCluster();
    metrics = new OperatorMetrics();
    metrics.bindLeaderElection(null);
    operator =
        new GradingOperator(
            cluster.client(),
            OperatorConfig.defaults(),
            Set.of(),
            FAST,
            metrics.josdkMetrics(),
            null,
            metrics::recordBuild);
    http =
        new OperatorHttpServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                operator.operator(),
                metrics,
                null)
            .start();
  }

  @AfterEach
  void stop() {
    operator.close();
    http.close();
    metrics.close();
    cluster.close();
  }

  private int port() {
    return http.port();
  }

  @Test
  void probesFollowTheOperatorFromStartToStop() {
    assertThat(port()).isPositive();
    // started but informers not synced: alive (the start-up probe waits), not ready
    assertThat(get(port(), "/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> starting = get(port(), "/readyz");
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(starting.body()).contains("informers not synced");

    operator.start();
    HttpResponse<String> healthy = get(port(), "/healthz");
    HttpResponse<String> ready = get(port(), "/readyz");
    assertThat(healthy.statusCode()).isEqualTo(200);
    assertThat(healthy.body()).isEqualTo("ok\n");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ready\n");
    assertThat(ready.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    HttpResponse<String> head =
        send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/readyz"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();

    operator.close();
    HttpResponse<String> dead = get(port(), "/healthz");
    assertThat(dead.statusCode()).isEqualTo(503);
    assertThat(dead.body()).contains("stopped");
    assertThat(get(port(), "/readyz").statusCode()).isEqualTo(503);
  }

  @Test
  void metricsShowReconciliationsBuildsAndTheJvm() {
    operator.start();
    cluster.client().resource(invalidEnvironment("broken")).create();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              GradingEnvironment env =
                  cluster
                      .client()
                      .resources(GradingEnvironment.class)
                      .inNamespace("grading")
                      .withName("broken")
                      .get();
              assertThat(env.getStatus()).isNotNull();
              assertThat(
                      Conditions.find(env.getStatus().conditions, Conditions.READY)
                          .orElseThrow()
                          .getReason())
                  .isEqualTo(ConditionReasons.INVALID_SPEC);
            });

    metrics.recordBuild(
        OperatorMetrics.STRATEGY_JIB, OperatorMetrics.OUTCOME_SUCCEEDED, Duration.ofSeconds(3));
    metrics.recordBuild(
        OperatorMetrics.STRATEGY_KANIKO, OperatorMetrics.OUTCOME_TIMEOUT, Duration.ofMinutes(30));

    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              HttpResponse<String> response = get(port(), "/metrics");
              assertThat(response.statusCode()).isEqualTo(200);
              assertThat(response.headers().firstValue("Content-Type"))
                  .hasValueSatisfying(
                      type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
              String body = response.body();
              // JOSDK's reconciliation metrics, per controller (and namespace)
              assertThat(body)
                  .containsPattern(
                      "(?m)^reconciliations_started_total\\{controller_name=\"gradingenvironment\",namespace=\"grading\"} [1-9]")
                  .containsPattern(
                      "(?m)^reconciliations_success_total\\{controller_name=\"gradingenvironment\",namespace=\"grading\"} [1-9]")
                  .containsPattern(
                      "(?m)^reconciliations_execution_duration_seconds_count\\{controller_name=\"gradingenvironment\"} [1-9]")
                  .containsPattern(
                      "(?m)^reconciliations_queue\\{controller_name=\"gradingenvironment\"} ")
                  .containsPattern(
                      "(?m)^reconciliations_active\\{controller_name=\"gradingenvironment\"} ");
              // builds by strategy and outcome, with buckets
              assertThat(body)
                  .contains("# TYPE grading_builds_seconds histogram")
                  .contains(
                      "grading_builds_seconds_count{outcome=\"succeeded\",strategy=\"jib\"} 1")
                  .contains(
                      "grading_builds_seconds_sum{outcome=\"succeeded\",strategy=\"jib\"} 3.0")
                  .contains(
                      "grading_builds_seconds_bucket{outcome=\"succeeded\",strategy=\"jib\",le=\"5.0\"} 1")
                  .contains(
                      "grading_builds_seconds_count{outcome=\"timeout\",strategy=\"kaniko\"} 1")
                  .contains(
                      "grading_builds_seconds_bucket{outcome=\"timeout\",strategy=\"kaniko\",le=\"1200.0\"} 0");
              // this replica reconciles, and the JVM
              assertThat(body)
                  .contains("grading_operator_leader 1.0")
                  .contains("jvm_memory_used_bytes{");
            });
  }

  @Test
  void buildLabelsAreBounded() {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                metrics.recordBuild(
                    "docker", OperatorMetrics.OUTCOME_FAILED, Duration.ofSeconds(1)))
        .withMessageContaining("strategy");
    assertThatIllegalArgumentException()
        .isThrownBy(
            () -> metrics.recordBuild(OperatorMetrics.STRATEGY_JIB, "ok", Duration.ofSeconds(1)))
        .withMessageContaining("outcome");
  }

  @Test
  void otherPathsAndMethodsAreRefused() {
    assertThat(get(port(), "/").statusCode()).isEqualTo(404);
    assertThat(get(port(), "/healthz/extra").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }
}
