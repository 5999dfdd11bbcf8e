package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.needRoot) || !self.needRoot || !has(self.runtime) || self.runtime in ['auto', 'kata']",
    message = "spec.grading.needRoot is allowed only with runtime auto or kata")
@ValidationRule(
    value = "!has(self.gpu) || !has(self.runtime) || self.runtime in ['auto', 'nvidia']",
    message = "spec.grading.gpu is allowed only with runtime auto or nvidia")
@ValidationRule(
    value = "!has(self.gpu) || !has(self.needRoot) || !self.needRoot",
    message =
        "spec.grading.needRoot and spec.grading.gpu cannot be combined (kata and nvidia are different runtimes)")
public class GradingSpec {
  public static final long DEFAULT_ACTIVE_DEADLINE_SECONDS = 300;

  @JsonPropertyDescription(
      "auto: needRoot -> kata, gpu -> nvidia, else the operator's default runtime.")
  @Default("auto")
  public Runtime runtime;

  @JsonPropertyDescription(
      "Submissions run as root; allowed only under the VM-isolated kata runtime.")
  public Boolean needRoot;

  @JsonPropertyDescription("GPUs for each grading pod; implies the nvidia runtime.")
  public GpuSpec gpu;

  @JsonPropertyDescription("Limits of a grading pod; requests are set equal to them.")
  public Resources resources;

  @JsonPropertyDescription("Hard deadline of a grading pod in seconds.")
  @Min(1)
  @Max(Formats.INT32_MAX)
  @Default("300")
  public Long activeDeadlineSeconds;

  @JsonPropertyDescription(
      "none: a NetworkPolicy denies all traffic of grading pods; allowed: no policy.")
  @Default("none")
  public Network network;

  @JsonPropertyDescription("Node labels grading pods must run on (label keys and values).")
  @Size(max = 32) // bounds the key rule's cost
  @ValidationRule(
      value = Formats.LABEL_KEYS_RULE,
      message =
          "spec.grading.nodeSelector keys must be label keys:"
              + " an optional DNS prefix and '/', then at most 63 of A-Z, a-z, 0-9, '-', '_', '.'")
  public Map<String, @Size(max = 63) @Pattern(Formats.LABEL_VALUE) String> nodeSelector;

  @JsonPropertyDescription("Taints grading pods tolerate.")
  public List<GradingToleration> tolerations;

  @JsonPropertyDescription(
      "Keep the image pulled on the nodes that can run it; default from the operator"
          + " configuration (prePull.enabled, true).")
  public Boolean prePull;

  public Runtime runtimeOrDefault() {
    return runtime == null ? Runtime.AUTO : runtime;
  }

  public boolean needsRoot() {
    return Boolean.TRUE.equals(needRoot);
  }

  public Network networkOrDefault() {
    return network == null ? Network.NONE : network;
  }

  /** Unset follows the operator's prePull.enabled. */
  public boolean prePullOr(boolean defaultValue) {
    return prePull == null ? defaultValue : prePull;
  }

  public long activeDeadlineSecondsOrDefault() {
    return activeDeadlineSeconds == null ? DEFAULT_ACTIVE_DEADLINE_SECONDS : activeDeadlineSeconds;
  }
}
