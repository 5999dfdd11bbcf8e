package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConfigMapKeyReference {
  @Required
  @Size(min = 1, max = Formats.DNS_SUBDOMAIN_MAX)
  @Pattern(Formats.DNS_SUBDOMAIN)
  public String name;

  @JsonPropertyDescription("Key holding the content; for a Dockerfile defaults to 'Dockerfile'.")
  public String key;
}
