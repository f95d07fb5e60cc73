# Credentials come from the environment, never from these files or tfvars:
#   DigitalOcean: DIGITALOCEAN_TOKEN
#   AWS: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an assumed role
provider "digitalocean" {}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = var.tags
  }
}
