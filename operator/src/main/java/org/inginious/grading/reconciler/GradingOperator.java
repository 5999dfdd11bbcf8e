package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.inginious.grading.build.ImageLookup;
import org.inginious.grading.build.PrebuiltImages;
import org.inginious.grading.build.RegistrySecrets;
import org.inginious.grading.build.registry.ImageResolver;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.RuntimeClassManager;

/**
 * The JOSDK operator, configured in one place: retry and backoff (JOSDK's retry for unexpected
 * errors, {@link Backoff} for the problems we report in status), re-resolution interval, and
 * server-side apply switched off (the CRUD mock server used in tests answers it with 415; the
 * same setting in production keeps tests and clusters alike).
 */
public final class GradingOperator implements AutoCloseable {

  /** Knobs that tests shorten; production uses {@link #defaults()}. */
  public record Settings(Duration initialRetry, Duration maxRetry, Duration resyncInterval, Duration resolutionCache) {
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofSeconds(60));
    }
  }

  private final KubernetesClient client;
  private final OperatorConfig config;
  private final Operator operator;

  public GradingOperator(KubernetesClient client, OperatorConfig config, Set<String> namespaces, Settings settings) {
    this.client = client;
    this.config = config;
    this.operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withCloseClientOnStop(false)
        .withStopOnInformerErrorDuringStartup(true)
        .withCacheSyncTimeout(Duration.ofMinutes(2)));
    PrebuiltImages prebuilt = new PrebuiltImages(
        new ImageLookup(new ImageResolver(), Clock.systemUTC(), settings.resolutionCache()), new RegistrySecrets(client));
    GradingEnvironmentReconciler reconciler = new GradingEnvironmentReconciler(
        config, prebuilt, new Backoff(settings.initialRetry(), settings.maxRetry()), Clock.systemUTC());
    GenericRetry retry = new GenericRetry()
        .setInitialInterval(settings.initialRetry().toMillis())
        .setIntervalMultiplier(2)
        .setMaxInterval(settings.maxRetry().toMillis())
        .withoutMaxAttempts();
    operator.register(reconciler, c -> {
      c.withRetry(retry).withReconciliationMaxInterval(settings.resyncInterval());
      if (namespaces.isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(namespaces);
      }
    });
  }

  /** Managed RuntimeClasses first, so environments find them on their first reconcile. */
  public GradingOperator start() {
    RuntimeClassManager.ensure(client, config);
    operator.start();
    return this;
  }

  public Operator operator() {
    return operator;
  }

  @Override
  public void close() {
    operator.stop();
  }
}
