package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.needRoot) || !self.needRoot || !has(self.runtime) || self.runtime in ['auto', 'kata']",
    message = "spec.grading.needRoot is allowed only with runtime auto or kata")
@ValidationRule(
    value = "!has(self.gpu) || !has(self.runtime) || self.runtime in ['auto', 'nvidia']",
    message = "spec.grading.gpu is allowed only with runtime auto or nvidia")
@ValidationRule(
    value = "!has(self.gpu) || !has(self.needRoot) || !self.needRoot",
    message = "spec.grading.needRoot and spec.grading.gpu cannot be combined (kata and nvidia are different runtimes)")
public class GradingSpec {
  public static final long DEFAULT_ACTIVE_DEADLINE_SECONDS = 300;

  @JsonPropertyDescription("auto: needRoot -> kata, gpu -> nvidia, else the operator's default runtime.")
  @Default("auto")
  public Runtime runtime;

  @JsonPropertyDescription("Submissions run as root; allowed only under the VM-isolated kata runtime.")
  public Boolean needRoot;

  @JsonPropertyDescription("GPUs for each grading pod; implies the nvidia runtime.")
  public GpuSpec gpu;

  @JsonPropertyDescription("Limits of a grading pod; requests are set equal to them.")
  public ResourceRequirements resources;

  @JsonPropertyDescription("Hard deadline of a grading pod in seconds.")
  @Min(1)
  @Default("300")
  public Long activeDeadlineSeconds;

  @JsonPropertyDescription("none: a NetworkPolicy denies all traffic of grading pods; allowed: no policy.")
  @Default("none")
  public Network network;

  public Map<String, String> nodeSelector;

  public List<Toleration> tolerations;

  public Runtime runtimeOrDefault() {
    return runtime == null ? Runtime.AUTO : runtime;
  }

  public boolean needsRoot() {
    return Boolean.TRUE.equals(needRoot);
  }

  public Network networkOrDefault() {
    return network == null ? Network.NONE : network;
  }

  public long activeDeadlineSecondsOrDefault() {
    return activeDeadlineSeconds == null ? DEFAULT_ACTIVE_DEADLINE_SECONDS : activeDeadlineSeconds;
  }
}
