package org.inginious.grading.cli;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The API server the demo runs on, with the CRD installed and the demo's namespace created: a real
 * one ({@link LocalControlPlane}: kubectl works against it, Jobs get pods that no kubelet runs) or
 * fabric8's embedded mock (no discovery, no controllers).
 */
interface DemoApiServer extends AutoCloseable {
  KubernetesClient client();

  /** A kubeconfig for kubectl. */
  String kubeconfig();

  /** Whether kubectl can use it (the mock serves no discovery). */
  boolean servesKubectl();

  @Override
  void close();

  static DemoApiServer local(Path binaries, Path work, PrintWriter out) {
    out.println(
        "Starting a local control plane from "
            + binaries
            + " (etcd, kube-apiserver, kube-controller-manager)");
    out.flush();
    LocalControlPlane plane =
        LocalControlPlane.start(
            new LocalControlPlane.Options(
                binaries, work.resolve("control-plane"), null, false, null, null));
    KubernetesClient client = plane.admin();
    try {
      LocalControlPlane.install(client, EmbeddedCluster.crd());
      client
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(DemoCommand.NAMESPACE)
                  .endMetadata()
                  .build())
          .create();
    } catch (RuntimeException e) {
      plane.close(); // else its processes outlive the demo
      throw e;
    }
    out.println(
        "Kubernetes API server at "
            + plane.url()
            + " (logs in "
            + plane.dir()
            + "), CRD installed");
    return new DemoApiServer() {
      @Override
      public KubernetesClient client() {
        return client;
      }

      @Override
      public String kubeconfig() {
        return plane.kubeconfig(plane.adminToken());
      }

      @Override
      public boolean servesKubectl() {
        return true;
      }

      @Override
      public void close() {
        plane.close();
      }
    };
  }

  static DemoApiServer embedded(PrintWriter out) {
    EmbeddedCluster cluster = new EmbeddedCluster();
    out.println(
        "Embedded Kubernetes API server at "
            + cluster.url()
            + " (fabric8 mock server, CRUD mode, CRD registered;"
            + " run e2e/setup.sh for a real one)");
    return new DemoApiServer() {
      @Override
      public KubernetesClient client() {
        return cluster.client();
      }

      @Override
      public String kubeconfig() {
        return """
            apiVersion: v1
            kind: Config
            clusters: [{name: demo, cluster: {server: "%s"}}]
            users: [{name: demo, user: {token: demo}}]
            contexts: [{name: demo, context: {cluster: demo, user: demo, namespace: %s}}]
            current-context: demo
            """
            .formatted(cluster.url(), DemoCommand.NAMESPACE);
      }

      @Override
      public boolean servesKubectl() {
        return false;
      }

      @Override
      public void close() {
        cluster.close();
      }
    };
  }
}
