# The Kubernetes cluster that runs infra/k8s, and the registry for Runpad's images and the workers'
# dependency images (RUNPAD_REGISTRY).

data "digitalocean_kubernetes_versions" "this" {
  version_prefix = var.kubernetes_version_prefix
}

resource "digitalocean_kubernetes_cluster" "runpad" {
  name    = var.name
  region  = var.do_region
  version = data.digitalocean_kubernetes_versions.this.latest_version

  # Patch releases on the maintenance window, replacing nodes a few at a time.
  auto_upgrade  = true
  surge_upgrade = true

  maintenance_policy {
    day        = "sunday"
    start_time = "03:00"
  }

  node_pool {
    name       = "${var.name}-pool"
    size       = var.node_size
    auto_scale = true
    min_nodes  = var.node_min
    max_nodes  = var.node_max
    # infra/k8s/README.md: keep Runpad (whose workers run privileged Docker engines) on its own pool.
    labels = {
      workload = "runpad"
    }
  }

  tags = [var.name]
}

resource "digitalocean_container_registry" "runpad" {
  name                   = var.name
  subscription_tier_slug = var.registry_tier
  region                 = var.do_region
}

# Push and pull credentials for the worker pods (they push the dependency images they build): the
# Secret runpad-registry of infra/k8s. Read from the output `registry_docker_config`.
resource "digitalocean_container_registry_docker_credentials" "workers" {
  registry_name = digitalocean_container_registry.runpad.name
  write         = true
}
