package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.inginious.grading.api.GradingEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes of the objects an environment owns, decided from the informer caches. */
final class OwnedObjects {
  private static final Logger LOG = LoggerFactory.getLogger(OwnedObjects.class);

  private OwnedObjects() {}

  /**
   * Create, or replace when the cached copy lacks what we want (hand edits are undone, added fields
   * too). The written object goes into the informer cache at once, so the next reconcile neither
   * writes again nor is woken by this write.
   */
  static <T extends HasMetadata> void apply(
      Context<GradingEnvironment> context,
      T desired,
      InformerEventSource<T, GradingEnvironment> informer) {
    T existing = informer.get(ResourceID.fromResource(desired)).orElse(null);
    String what =
        desired.getKind()
            + " "
            + desired.getMetadata().getNamespace()
            + "/"
            + desired.getMetadata().getName();
    if (existing == null) {
      LOG.info("Creating {}", what);
      context.resourceOperations().create(desired, informer);
    } else if (!DesiredStateMatcher.satisfies(existing, desired)) {
      LOG.info("Updating {}", what);
      context
          .resourceOperations()
          .resourcePatch(desired, d -> replace(context.getClient(), d), informer);
    }
  }

  /**
   * PUT without a resourceVersion: an unconditional replace (PodTemplates and NetworkPolicies allow
   * it), never a 409 from a cache that has not seen our last write. Not fabric8's update(): without
   * a resourceVersion, fabric8 7.9.0 GETs the live object first and sends that object's version.
   */
  @SuppressWarnings("unchecked")
  private static <T extends HasMetadata> T replace(KubernetesClient client, T desired) {
    desired.getMetadata().setResourceVersion(null);
    String path =
        (desired.getApiVersion().contains("/") ? "/apis/" : "/api/")
            + desired.getApiVersion()
            + "/namespaces/"
            + desired.getMetadata().getNamespace()
            + "/"
            + desired.getPlural()
            + "/"
            + desired.getMetadata().getName();
    return (T)
        client
            .getKubernetesSerialization()
            .unmarshal(client.raw(path, "PUT", desired), desired.getClass());
  }

  /** Deletes the named object if the cache holds it and this environment owns it. */
  static <T extends HasMetadata> void deleteOwned(
      Context<GradingEnvironment> context,
      InformerEventSource<T, GradingEnvironment> informer,
      String name,
      GradingEnvironment owner) {
    informer
        .get(new ResourceID(name, owner.getMetadata().getNamespace()))
        .filter(
            object ->
                object.getMetadata().getOwnerReferences().stream()
                    .map(OwnerReference::getUid)
                    .anyMatch(uid -> uid.equals(owner.getMetadata().getUid())))
        .ifPresent(
            object -> {
              LOG.info(
                  "Deleting {} {}/{}",
                  object.getKind(),
                  object.getMetadata().getNamespace(),
                  object.getMetadata().getName());
              context.getClient().resource(object).delete();
            });
  }
}
