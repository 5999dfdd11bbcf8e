package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;

/** A toleration of grading pods, with the rules the API server applies to a Pod's tolerations. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')",
    message = "operator must be Exists when key is empty (that tolerates every taint)")
@ValidationRule(
    value =
        "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
    message = "value must be empty when operator is Exists")
@ValidationRule(
    value = "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
    message = "effect must be NoExecute when tolerationSeconds is set")
public class GradingToleration {
  public static final String OPERATORS = "^(Exists|Equal)?$";
  public static final String EFFECTS = "^(NoSchedule|PreferNoSchedule|NoExecute)?$";

  /** A label key of at most 253 + 1 + 63 characters, or empty (every key, with operator Exists). */
  public static final String KEY = "^$|" + Formats.LABEL_KEY;

  @Size(max = Formats.DNS_SUBDOMAIN_MAX + 64)
  @Pattern(KEY)
  public String key;

  @Pattern(OPERATORS)
  public String operator;

  @Size(max = 63)
  @Pattern(Formats.LABEL_VALUE)
  public String value;

  @Pattern(EFFECTS)
  public String effect;

  public Long tolerationSeconds;

  public Toleration toToleration() {
    return new TolerationBuilder()
        .withKey(key)
        .withOperator(operator)
        .withValue(value)
        .withEffect(effect)
        .withTolerationSeconds(tolerationSeconds)
        .build();
  }
}
