package org.inginious.grading.placement;

import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.inginious.grading.config.OperatorConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates or corrects the managed RuntimeClasses at start-up. */
public final class RuntimeClassManager {
  private static final Logger LOG = LoggerFactory.getLogger(RuntimeClassManager.class);

  private RuntimeClassManager() {}

  public static void ensure(KubernetesClient client, OperatorConfig config) {
    for (RuntimeClass desired : RuntimeClasses.desired(config)) {
      String name = desired.getMetadata().getName();
      RuntimeClass existing = client.resources(RuntimeClass.class).withName(name).get();
      if (existing == null) {
        LOG.info("Creating RuntimeClass {} (handler {})", name, desired.getHandler());
        client.resource(desired).create();
      } else if (RuntimeClasses.needsRecreate(existing, desired)) {
        // handler is immutable: the only way to correct it is a new object.
        LOG.warn("Recreating RuntimeClass {}: handler {} -> {}", name, existing.getHandler(), desired.getHandler());
        client.resource(existing).withTimeoutInMillis(30_000).delete();
        client.resources(RuntimeClass.class).withName(name).waitUntilCondition(rc -> rc == null, 30, java.util.concurrent.TimeUnit.SECONDS);
        client.resource(desired).create();
      } else if (RuntimeClasses.differs(existing, desired)) {
        LOG.info("Correcting RuntimeClass {}", name);
        desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        client.resource(desired).update();
      }
    }
  }
}
