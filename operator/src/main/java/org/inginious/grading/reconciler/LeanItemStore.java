package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.stream.Stream;

/**
 * An informer's store that keeps objects without {@code metadata.managedFields}: the server-side
 * apply bookkeeping of every writer, often as large as the rest of the object, which the operator
 * never reads (it writes with update, create and JSON patch, never with server-side apply). One
 * store per informer: it is the informer's cache.
 */
public final class LeanItemStore<T extends HasMetadata> implements ItemStore<T> {
  private final BasicItemStore<T> items = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

  @Override
  public String getKey(T item) {
    return items.getKey(item);
  }

  @Override
  public T put(String key, T item) {
    // the informer deserialised the object for its cache alone: no copy needed
    item.getMetadata().setManagedFields(null);
    return items.put(key, item);
  }

  @Override
  public T remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet();
  }

  @Override
  public Stream<T> values() {
    return items.values();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public T get(String key) {
    return items.get(key);
  }
}
