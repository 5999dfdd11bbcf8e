package org.inginious.grading.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.config.InvalidConfigException;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.ops.LeaderElection;
import org.inginious.grading.ops.OperatorHttpServer;
import org.inginious.grading.ops.OperatorMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    description = "Run the operator against the cluster in KUBECONFIG, or in-cluster.")
public class RunCommand implements Callable<Integer> {
  @Mixin ConfigOption config;

  @Option(
      names = "--watch-namespaces",
      split = ",",
      paramLabel = "NS",
      description = "Namespaces to watch (default: \\$WATCH_NAMESPACES, empty = all).")
  Set<String> namespaces;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      defaultValue = "8081",
      description = "Port of /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    OperatorConfig operatorConfig;
    try {
      operatorConfig = config.load();
    } catch (InvalidConfigException e) {
      spec.commandLine().getErr().println("invalid configuration: " + e.getMessage());
      return 2;
    }
    Optional<LeaderElection> election;
    try {
      // LEADER_ELECTION, POD_NAMESPACE, POD_NAME; off by default without POD_NAMESPACE (local runs)
      election = LeaderElection.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("invalid environment: " + e.getMessage());
      return 2;
    }
    Set<String> watched = namespaces != null ? namespaces : fromEnvironment("WATCH_NAMESPACES");
    KubernetesClient client = new KubernetesClientBuilder().build();
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.bindLeaderElection(election.orElse(null));
    GradingOperator operator =
        new GradingOperator(
            client,
            operatorConfig,
            watched,
            GradingOperator.Settings.defaults(),
            metrics.josdkMetrics(),
            election.map(LeaderElection::configuration).orElse(null),
            metrics::recordBuild);
    OperatorHttpServer http =
        new OperatorHttpServer(httpPort, operator.operator(), metrics, election.orElse(null));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  boolean leading = election.map(LeaderElection::isLeader).orElse(false);
                  operator.close();
                  if (leading) {
                    election.get().release(client);
                  }
                  http.close();
                  metrics.close();
                  client.close();
                  stopped.countDown();
                },
                "shutdown"));
    http.start(); // before operator.start(), which blocks until the informers are synced
    operator.start();
    stopped.await();
    return 0;
  }

  static Set<String> fromEnvironment(String variable) {
    String value = System.getenv(variable);
    return value == null
        ? Set.of()
        : Arrays.stream(value.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
  }
}
