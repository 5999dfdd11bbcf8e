package org.inginious.grading.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Counts reconciles per environment (JOSDK metrics), so that a test asserting that nothing happened
 * first sees the operator look again, instead of sleeping and hoping it did.
 */
public final class Reconciles implements Metrics {
  private final Map<String, AtomicInteger> started = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> finished = new ConcurrentHashMap<>();

  @Override
  public void reconciliationStarted(HasMetadata resource, Map<String, Object> metadata) {
    counter(started, resource.getMetadata().getName()).incrementAndGet();
  }

  @Override
  public void reconciliationFinished(
      HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    counter(finished, resource.getMetadata().getName()).incrementAndGet();
  }

  private static AtomicInteger counter(Map<String, AtomicInteger> counters, String name) {
    return counters.computeIfAbsent(name, n -> new AtomicInteger());
  }

  /**
   * Wakes the named environments through the RuntimeClass they use (an annotation changes, which
   * the operator ignores) and waits until each has finished a reconcile that began after this call.
   */
  public void awaitReconciledAgain(
      KubernetesClient client, String runtimeClass, String... environments) {
    Map<String, Integer> startedBefore =
        Arrays.stream(environments)
            .collect(Collectors.toMap(name -> name, name -> counter(started, name).get()));
    client
        .resources(RuntimeClass.class)
        .withName(runtimeClass)
        .edit(
            rc -> {
              rc.getMetadata()
                  .setAnnotations(Map.of("test/wake", Long.toString(System.nanoTime())));
              return rc;
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                startedBefore.entrySet().stream()
                    .allMatch(e -> counter(finished, e.getKey()).get() > e.getValue()));
  }
}
