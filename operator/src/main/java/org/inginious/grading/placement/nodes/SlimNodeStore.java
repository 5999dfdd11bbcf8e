package org.inginious.grading.placement.nodes;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.stream.Stream;

/**
 * An informer's store of Nodes that keeps only their {@link SlimNodes slim} form. The informer
 * still hands its event handlers the full new Node; the cache, and the old Node of an update, are
 * slim. One store per informer: it is the informer's cache.
 */
public final class SlimNodeStore implements ItemStore<Node> {
  private final BasicItemStore<Node> nodes = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

  @Override
  public String getKey(Node node) {
    return nodes.getKey(node);
  }

  @Override
  public Node put(String key, Node node) {
    return nodes.put(key, SlimNodes.slim(node));
  }

  @Override
  public Node remove(String key) {
    return nodes.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return nodes.keySet();
  }

  @Override
  public Stream<Node> values() {
    return nodes.values();
  }

  @Override
  public int size() {
    return nodes.size();
  }

  @Override
  public Node get(String key) {
    return nodes.get(key);
  }
}
