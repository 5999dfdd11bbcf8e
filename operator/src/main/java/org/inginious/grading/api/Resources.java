package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.Map;

/**
 * Limits and requests of a container, checked as the API server checks a Pod's. Our own type, not
 * fabric8's ResourceRequirements: the CEL rules need bounded maps (isQuantity costs as much as the
 * longest string the schema allows) and only the node's own resources are allowed here.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Resources {
  /**
   * Bounds the rules' cost below the API server's budget (an int-or-string value has no length
   * bound).
   */
  public static final int MAX_ENTRIES = 8;

  static final String NAMES_RULE =
      "self.all(k, k.matches(r'" + Formats.CONTAINER_RESOURCE_NAME + "'))";
  static final String NAMES_MESSAGE =
      " names must be cpu, memory, ephemeral-storage or hugepages-<size>"
          + " (GPUs go through spec.grading.gpu)";
  static final String QUANTITIES_RULE = "self.all(k, isQuantity(string(self[k])))";
  static final String QUANTITIES_MESSAGE = " must be quantities such as 500m, 2 or 1Gi";
  static final String SIGN_RULE = "self.all(k, !string(self[k]).startsWith('-'))";
  static final String SIGN_MESSAGE = " must not be negative";

  @JsonPropertyDescription("Upper bounds: cpu, memory, ephemeral-storage, hugepages-<size>.")
  @Size(max = MAX_ENTRIES)
  @ValidationRule(value = NAMES_RULE, message = "limits" + NAMES_MESSAGE)
  @ValidationRule(value = QUANTITIES_RULE, message = "limits" + QUANTITIES_MESSAGE)
  @ValidationRule(value = SIGN_RULE, message = "limits" + SIGN_MESSAGE)
  public Map<String, Quantity> limits;

  @JsonPropertyDescription(
      "What the scheduler reserves; grading pods get their limits as requests.")
  @Size(max = MAX_ENTRIES)
  @ValidationRule(value = NAMES_RULE, message = "requests" + NAMES_MESSAGE)
  @ValidationRule(value = QUANTITIES_RULE, message = "requests" + QUANTITIES_MESSAGE)
  @ValidationRule(value = SIGN_RULE, message = "requests" + SIGN_MESSAGE)
  public Map<String, Quantity> requests;

  public Resources() {}

  public Resources(Map<String, Quantity> limits, Map<String, Quantity> requests) {
    this.limits = limits;
    this.requests = requests;
  }

  public ResourceRequirements toRequirements() {
    return new ResourceRequirementsBuilder().withLimits(limits).withRequests(requests).build();
  }
}
