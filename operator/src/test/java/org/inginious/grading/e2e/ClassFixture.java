package org.inginious.grading.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.inginious.grading.testing.LocalRegistry;

/**
 * What each end-to-end class starts from: the shared control plane with the operator installed and
 * the kwok nodes, a registry and a namespace of its own; the operator replicas it started are
 * stopped (SIGTERM) when it closes.
 */
final class ClassFixture implements AutoCloseable {
  final OperatorInstallation installation;
  final KubernetesClient admin;
  final LocalRegistry registry;
  private final List<OperatorProcess> operators = new ArrayList<>();

  private ClassFixture(OperatorInstallation installation, LocalRegistry registry) {
    this.installation = installation;
    this.admin = installation.cluster().admin();
    this.registry = registry;
  }

  static ClassFixture open(String namespace, Map<String, String> namespaceLabels) {
    OperatorInstallation installation = OperatorInstallation.shared();
    KwokNodes.ensure(installation.cluster().admin());
    OperatorInstallation.namespace(installation.cluster().admin(), namespace, namespaceLabels);
    return new ClassFixture(installation, LocalRegistry.open());
  }

  /** An operator replica, stopped with the fixture unless the test stops it first. */
  OperatorProcess startOperator(String name) {
    OperatorProcess operator = installation.start(name);
    operators.add(operator);
    return operator;
  }

  @Override
  public void close() {
    operators.forEach(OperatorProcess::close);
    registry.close();
  }
}
