package org.inginious.grading.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.inginious.grading.cli.EmbeddedCluster;

/**
 * The Kubernetes API for tests: the same embedded CRUD mock server the `demo` uses, with the CRD
 * registered. No kubelet, controllers or garbage collector run; tests play the kubelet only.
 */
public final class MockCluster implements AutoCloseable {
  private final EmbeddedCluster cluster = new EmbeddedCluster();

  public KubernetesClient client() {
    return cluster.client();
  }

  public KubernetesMockServer server() {
    return cluster.server();
  }

  public KubernetesClient newClient() {
    return cluster.newClient();
  }

  @Override
  public void close() {
    cluster.close();
  }
}
