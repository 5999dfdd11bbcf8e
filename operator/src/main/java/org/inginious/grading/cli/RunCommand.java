package org.inginious.grading.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.inginious.grading.config.InvalidConfigException;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.reconciler.GradingOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", description = "Run the operator against the cluster in KUBECONFIG, or in-cluster.")
public class RunCommand implements Callable<Integer> {
  @Mixin ConfigOption config;

  @Option(names = "--watch-namespaces", split = ",", paramLabel = "NS",
      description = "Namespaces to watch (default: \\$WATCH_NAMESPACES, empty = all).")
  Set<String> namespaces;

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
    Set<String> watched = namespaces != null ? namespaces : fromEnvironment("WATCH_NAMESPACES");
    KubernetesClient client = new KubernetesClientBuilder().build();
    GradingOperator operator = new GradingOperator(client, operatorConfig, watched, GradingOperator.Settings.defaults());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    operator.start();
    stopped.await();
    return 0;
  }

  static Set<String> fromEnvironment(String variable) {
    String value = System.getenv(variable);
    return value == null ? Set.of() : Arrays.stream(value.split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
  }
}
