package org.inginious.grading.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.InputStream;
import java.util.HashMap;

/**
 * A Kubernetes API for tests: fabric8's mock server in CRUD mode with our generated CRD registered,
 * so /status is a subresource as in a real cluster. No kubelet, controllers or garbage collector run.
 */
public final class MockCluster implements AutoCloseable {
  public static final String CRD_RESOURCE = "META-INF/fabric8/gradingenvironments.grading.inginious.org-v1.yml";

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public MockCluster() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init();
    client = server.createClient();
    client.resource(crd()).create();
  }

  public static CustomResourceDefinition crd() {
    try (InputStream in = MockCluster.class.getClassLoader().getResourceAsStream(CRD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(CRD_RESOURCE + " not on the class path: run the build through process-classes");
      }
      return io.fabric8.kubernetes.client.utils.Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public KubernetesClient client() {
    return client;
  }

  public KubernetesMockServer server() {
    return server;
  }

  /** A second client, e.g. for a second operator replica. */
  public KubernetesClient newClient() {
    return server.createClient();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
