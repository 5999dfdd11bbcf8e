package org.inginious.grading.image.common;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Optional;
import org.inginious.grading.api.GradingEnvironment;

/**
 * What the cluster holds that image sources read, as the reconciler's informers see it: other
 * environments and ConfigMaps, and the Jobs, Pods and ConfigMaps of Kaniko builds.
 */
public interface ClusterView {
  Optional<GradingEnvironment> environment(String namespace, String name);

  Optional<ConfigMap> configMap(String namespace, String name);

  /** The build Jobs of an environment (label {@code grading.inginious.org/build}). */
  default List<Job> jobs(String namespace, String environment) {
    return List.of();
  }

  /** The Pods of a build Job. */
  default List<Pod> pods(String namespace, String job) {
    return List.of();
  }

  /** The build ConfigMaps of an environment. */
  default List<ConfigMap> configMaps(String namespace, String environment) {
    return List.of();
  }
}
