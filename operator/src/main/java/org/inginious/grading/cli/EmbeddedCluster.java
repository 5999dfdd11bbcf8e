package org.inginious.grading.cli;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * A Kubernetes API in the process: fabric8's mock server in CRUD mode with our generated CRD
 * registered, so /status is a subresource as in a real cluster. No kubelet, controllers or garbage
 * collector run. Used by `demo` and by the tests.
 */
public final class EmbeddedCluster implements AutoCloseable {
  public static final String CRD_RESOURCE =
      "META-INF/fabric8/gradingenvironments.grading.inginious.org-v1.yml";

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public EmbeddedCluster() {
    // CRUD for everything; expectations answer what only a real API server computes (a
    // SelfSubjectRulesReview, asked by leader election before it starts).
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            expectations,
            new KubernetesMixedDispatcher(expectations),
            false);
    server.init();
    client = server.createClient();
    client.resource(crd()).create();
  }

  public static CustomResourceDefinition crd() {
    try (InputStream in =
        EmbeddedCluster.class.getClassLoader().getResourceAsStream(CRD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            CRD_RESOURCE + " is not on the class path: build through process-classes");
      }
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
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

  /** The API server's URL (plain HTTP), for a kubeconfig. */
  public String url() {
    return "http://" + server.getHostName() + ":" + server.getPort();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
