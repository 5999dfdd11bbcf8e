package org.inginious.grading.testing;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.inginious.grading.cli.EmbeddedCluster;

/**
 * The Kubernetes API for tests: the same embedded CRUD mock server the `demo` uses, with the CRD
 * registered. No kubelet, controllers or garbage collector run; tests play the kubelet only.
 */
public final class MockCluster implements AutoCloseable {
  private final EmbeddedCluster cluster = new EmbeddedCluster();

  /**
   * With one Ready node, untainted and unlabelled, as a kubelet registers it: environments are
   * schedulable.
   */
  public MockCluster() {
    cluster
        .client()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("node-1")
                .endMetadata()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build())
        .create();
  }

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
