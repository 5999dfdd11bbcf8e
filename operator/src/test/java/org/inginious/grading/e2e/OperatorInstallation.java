package org.inginious.grading.e2e;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.inginious.grading.cli.LocalControlPlane;
import org.inginious.grading.helm.ChartFixture;

/**
 * The operator installed as the Helm chart installs it, minus the Deployment (the operator runs as
 * a local process): the CRD, the namespace, the ServiceAccount, exactly the RBAC objects the chart
 * renders, and the chart's rendered config.yaml. The operator authenticates with a token of that
 * ServiceAccount, so every request it makes is authorised (or denied) by the chart's rules.
 */
public final class OperatorInstallation {
  private static OperatorInstallation installed;

  private final ControlPlane cluster;
  private final List<HasMetadata> chart;
  private final Path config;
  private final Path kubeconfig;

  /** Installs once per control plane. */
  public static synchronized OperatorInstallation shared() {
    if (installed == null) {
      installed = new OperatorInstallation(ControlPlane.shared());
    }
    return installed;
  }

  private OperatorInstallation(ControlPlane cluster) {
    this.cluster = cluster;
    KubernetesClient admin = cluster.admin();
    try (InputStream crd =
        Files.newInputStream(
            cluster
                .projectRoot()
                .resolve("crds/gradingenvironments.grading.inginious.org-v1.yml"))) {
      // the committed copy, as users apply it (CrdUpToDateTest keeps it equal to the generated one)
      LocalControlPlane.install(
          admin, admin.apiextensions().v1().customResourceDefinitions().load(crd).item());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    namespace(admin, ControlPlane.OPERATOR_NAMESPACE, Map.of());
    Path jibCache = cluster.dir().resolve("jib-cache");
    chart = ChartFixture.render(ChartFixture.values("builds.jib.cacheDir", jibCache.toString()));
    for (HasMetadata object : chart) {
      if (object instanceof ServiceAccount
          || object instanceof ClusterRole
          || object instanceof ClusterRoleBinding
          || object instanceof Role
          || object instanceof RoleBinding) {
        admin.resource(object).create();
      }
    }
    try {
      config = cluster.dir().resolve("operator-config.yaml");
      Files.writeString(
          config, ChartFixture.all(chart, ConfigMap.class).get(0).getData().get("config.yaml"));
      String token =
          admin
              .serviceAccounts()
              .inNamespace(ControlPlane.OPERATOR_NAMESPACE)
              .withName(ControlPlane.OPERATOR_SERVICE_ACCOUNT)
              .tokenRequest(
                  new TokenRequestBuilder()
                      .withNewSpec()
                      .withExpirationSeconds(24 * 3600L)
                      .endSpec()
                      .build())
              .getStatus()
              .getToken();
      kubeconfig = cluster.dir().resolve("operator.kubeconfig");
      Files.writeString(kubeconfig, cluster.kubeconfig(token));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Creates a namespace with these labels and waits for its default ServiceAccount (pods need it).
   */
  public static void namespace(KubernetesClient admin, String name, Map<String, String> labels) {
    admin
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
    admin
        .serviceAccounts()
        .inNamespace(name)
        .withName("default")
        .waitUntilCondition(sa -> sa != null, 60, TimeUnit.SECONDS);
  }

  /** Starts an operator replica named {@code name} (its pod name, the Lease identity). */
  public OperatorProcess start(String name) {
    return OperatorProcess.start(cluster, name, config, kubeconfig, javaToolOptions());
  }

  /** The JVM flags the chart's Deployment gives the operator. */
  private String javaToolOptions() {
    return ChartFixture.all(chart, Deployment.class)
        .get(0)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .getEnv()
        .stream()
        .filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS"))
        .map(EnvVar::getValue)
        .findFirst()
        .orElse("");
  }

  /** The objects the chart renders with the values this installation uses. */
  public List<HasMetadata> chart() {
    return chart;
  }

  public ControlPlane cluster() {
    return cluster;
  }
}
