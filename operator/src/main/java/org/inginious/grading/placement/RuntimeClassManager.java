package org.inginious.grading.placement;

import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or corrects one managed RuntimeClass, given the copy the informer cache holds. Several
 * reconciles may do this at once: losing the race (AlreadyExists, NotFound, a stale version) is
 * quiet, since the winner's write is an informer event that brings every user of the class back.
 */
public final class RuntimeClassManager {
  private static final Logger LOG = LoggerFactory.getLogger(RuntimeClassManager.class);

  private RuntimeClassManager() {}

  /**
   * @param existing the class as the informer cache holds it, or null when it has none
   * @return the class as it is, or is being made, in the cluster
   */
  public static RuntimeClass ensure(
      KubernetesClient client, RuntimeClass desired, RuntimeClass existing) {
    String name = desired.getMetadata().getName();
    try {
      if (existing == null) {
        LOG.info("Creating RuntimeClass {} (handler {})", name, desired.getHandler());
        return client.resource(desired).create();
      }
      if (RuntimeClasses.needsRecreate(existing, desired)) {
        // handler is immutable: the only way to correct it is a new object.
        LOG.warn(
            "Recreating RuntimeClass {}: handler {} -> {}",
            name,
            existing.getHandler(),
            desired.getHandler());
        client.resource(existing).delete();
        return client.resource(desired).create();
      }
      if (RuntimeClasses.differs(existing, desired)) {
        LOG.info("Correcting RuntimeClass {}", name);
        // RuntimeClasses refuse unconditional updates: lock on the cached version; if it is stale,
        // the 409 is a lost race.
        return client
            .resource(
                new RuntimeClassBuilder(desired)
                    .editMetadata()
                    .withResourceVersion(existing.getMetadata().getResourceVersion())
                    .endMetadata()
                    .build())
            .update();
      }
      return existing;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
          && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
      LOG.debug(
          "RuntimeClass {} changed meanwhile ({}); its informer event brings it back",
          name,
          e.getCode());
      return desired;
    }
  }
}
