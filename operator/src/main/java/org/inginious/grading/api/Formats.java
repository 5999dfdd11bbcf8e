package org.inginious.grading.api;

import java.util.regex.Pattern;

/**
 * The formats the API server (or the container runtime) requires of values that end up in objects
 * we create, as regular expressions that RE2 (CRD patterns and CEL) and java.util.regex read alike.
 * The CRD annotations and {@link GradingEnvironmentValidator} use the same constants.
 */
public final class Formats {
  private static final String DNS_LABEL_PART = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final String DNS_SUBDOMAIN_PART = DNS_LABEL_PART + "(\\." + DNS_LABEL_PART + ")*";
  private static final String NAME_PART = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";

  /** A DNS-1123 subdomain: object names (at most 253 characters, checked apart). */
  public static final String DNS_SUBDOMAIN = "^" + DNS_SUBDOMAIN_PART + "$";

  public static final int DNS_SUBDOMAIN_MAX = 253;

  /** A DNS-1123 label: RuntimeClass handlers (at most 63 characters, checked apart). */
  public static final String DNS_LABEL = "^" + DNS_LABEL_PART + "$";

  /** A label value: empty, or at most 63 of A-Z a-z 0-9 - _ . beginning and ending alphanumeric. */
  public static final String LABEL_VALUE = "^(" + NAME_PART + ")?$";

  /**
   * A label key: an optional DNS subdomain prefix of at most 253 characters and '/', then a name.
   */
  public static final String LABEL_KEY = "^(" + DNS_SUBDOMAIN_PART + "/)?" + NAME_PART + "$";

  /**
   * CEL over a map's keys: a raw string (CEL has no \. escape), the prefix bound apart (RE2 cannot
   * count it).
   */
  public static final String LABEL_KEYS_RULE =
      "self.all(k, k.matches(r'"
          + LABEL_KEY
          + "')"
          + " && (!k.contains('/') || k.indexOf('/') <= "
          + DNS_SUBDOMAIN_MAX
          + "))";

  /**
   * An extended resource: a domain and a name (nvidia.com/gpu, nvidia.com/mig-1g.5gb); the domain
   * is not kubernetes.io and the name does not start with "requests." (both checked apart).
   */
  public static final String EXTENDED_RESOURCE_NAME =
      "^" + DNS_SUBDOMAIN_PART + "/" + NAME_PART + "$";

  public static final String EXTENDED_RESOURCE_RULE =
      "!self.contains('kubernetes.io/') && !self.startsWith('requests.')";

  /**
   * What grading and build containers may limit: the node's own resources (GPUs go through
   * spec.grading.gpu).
   */
  public static final String CONTAINER_RESOURCE_NAME =
      "^(cpu|memory|ephemeral-storage|hugepages-[-A-Za-z0-9_.]+)$";

  /**
   * A quantity as the API server parses it (resource.ParseQuantity): sign, digits, optional
   * fraction, then a binary suffix (Ki..Ei), a decimal one (n u m k M G T P E) or an exponent. The
   * CRD checks it with the Kubernetes CEL function isQuantity.
   */
  public static final String QUANTITY =
      "^[+-]?[0-9]*(\\.[0-9]*)?([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$";

  // distribution/reference, the grammar every registry and container runtime reads image names with
  private static final String DOMAIN_COMPONENT =
      "([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final String DOMAIN =
      DOMAIN_COMPONENT + "(\\." + DOMAIN_COMPONENT + ")*(:[0-9]+)?";
  private static final String PATH_COMPONENT = "[a-z0-9]+(([._]|__|[-]+)[a-z0-9]+)*";
  private static final String REPOSITORY_PART =
      "(" + DOMAIN + "/)?" + PATH_COMPONENT + "(/" + PATH_COMPONENT + ")*";

  /** A repository: where builds push, without tag, digest or credentials (lowercase path). */
  public static final String IMAGE_REPOSITORY = "^" + REPOSITORY_PART + "$";

  /** An image reference: a repository with an optional tag and an optional digest. */
  public static final String IMAGE_REFERENCE =
      "^"
          + REPOSITORY_PART
          + "(:[\\w][\\w.-]{0,127})?"
          + "(@[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$";

  /** Registries refuse longer names (distribution/reference); we bound the whole reference so. */
  public static final int IMAGE_MAX = 255;

  /** An absolute path without '.' or '..' segments or control characters. */
  public static final String ABSOLUTE_PATH =
      "^(/|(/([^/.\\x00-\\x1f][^/\\x00-\\x1f]*|\\.[^/.\\x00-\\x1f][^/\\x00-\\x1f]*|\\.\\.[^/\\x00-\\x1f]+))+/?)$";

  public static final int PATH_MAX = 1024;

  /**
   * An environment variable name as the API server checks them (C_IDENTIFIER, with '-' and '.').
   */
  public static final String ENV_NAME = "^[-._a-zA-Z][-._a-zA-Z0-9]*$";

  /** A Dockerfile ARG name. */
  public static final String BUILD_ARG_NAME = "^[A-Za-z_][A-Za-z0-9_]*$";

  /** A duration as Kubernetes writes them (90s, 30m, 1h30m), bounded so that it always fits. */
  public static final String DURATION = "^([0-9]{1,4}h)?([0-9]{1,6}m)?([0-9]{1,8}s)?$";

  /** The largest int32: Pod activeDeadlineSeconds and the counts the API server keeps as int32. */
  public static final long INT32_MAX = Integer.MAX_VALUE;

  private Formats() {}

  public static boolean matches(String regex, String value) {
    return value != null && Pattern.compile(regex).matcher(value).matches();
  }

  /** A label key, the prefix bound included. */
  public static boolean isLabelKey(String key) {
    return matches(LABEL_KEY, key) && (!key.contains("/") || key.indexOf('/') <= DNS_SUBDOMAIN_MAX);
  }

  public static boolean isExtendedResourceName(String name) {
    return matches(EXTENDED_RESOURCE_NAME, name)
        && !name.contains("kubernetes.io/")
        && !name.startsWith("requests.");
  }

  /** A quantity of at least zero, as the CRD's isQuantity rule and its sign rule check it. */
  public static boolean isNonNegativeQuantity(String text) {
    return isQuantity(text) && !text.startsWith("-");
  }

  public static boolean isQuantity(String text) {
    return text != null && !text.isEmpty() && matches(QUANTITY, text);
  }

  public static boolean isDnsSubdomain(String name) {
    return matches(DNS_SUBDOMAIN, name) && name.length() <= DNS_SUBDOMAIN_MAX;
  }
}
