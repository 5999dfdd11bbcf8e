package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.util.List;
import java.util.Optional;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.image.common.ClusterView;
import org.inginious.grading.image.dockerfile.KanikoJobs;

/** What image sources read of the cluster, answered from the informer caches: never a request. */
final class InformerClusterView implements ClusterView {
  private final IndexerResourceCache<GradingEnvironment> environments;
  private final EnvironmentEventSources sources;

  InformerClusterView(
      IndexerResourceCache<GradingEnvironment> environments, EnvironmentEventSources sources) {
    this.environments = environments;
    this.sources = sources;
  }

  @Override
  public Optional<GradingEnvironment> environment(String namespace, String name) {
    return environments.get(new ResourceID(name, namespace));
  }

  @Override
  public Optional<ConfigMap> configMap(String namespace, String name) {
    return sources.configMaps.get(new ResourceID(name, namespace));
  }

  @Override
  public List<Job> jobs(String namespace, String environment) {
    return sources.buildJobs.list(namespace, job -> isBuildOf(job, environment)).toList();
  }

  @Override
  public List<Pod> pods(String namespace, String job) {
    return sources
        .buildPods
        .list(
            namespace,
            pod ->
                pod.getMetadata().getOwnerReferences().stream()
                    .anyMatch(ref -> "Job".equals(ref.getKind()) && job.equals(ref.getName())))
        .toList();
  }

  @Override
  public List<ConfigMap> configMaps(String namespace, String environment) {
    return sources
        .configMaps
        .list(
            namespace,
            cm ->
                isBuildOf(cm, environment)
                    && KanikoJobs.COMPONENT_VALUE.equals(
                        cm.getMetadata().getLabels().get(KanikoJobs.COMPONENT)))
        .toList();
  }

  private static boolean isBuildOf(HasMetadata object, String environment) {
    return object.getMetadata().getLabels() != null
        && environment.equals(object.getMetadata().getLabels().get(KanikoJobs.BUILD_OF));
  }
}
