# Terraform and provider versions, pinned: `terraform init` on another machine or in a year gets the
# same providers (and .terraform.lock.hcl, written by the first init, pins their checksums).
terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "~> 2.71"
    }
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
    }
  }

  # State holds the cluster's kubeconfig and the registry credentials: keep it in a private, encrypted
  # backend, e.g. an S3 bucket (configure with `terraform init -backend-config=...`):
  # backend "s3" {}
}
