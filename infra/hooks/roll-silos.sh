#!/usr/bin/env bash
# azd postdeploy hook of the silo service: azd has pushed the image and updated silo-0 only
# (one app per service). `azd provision` hands the image (SERVICE_SILO_IMAGE_NAME, now in the
# azd environment) to every silo app through infra/main.bicep's siloImage parameter. On the first
# `azd up` this also turns on the health probes the stand-in image could not answer.
set -euo pipefail

: "${SERVICE_SILO_IMAGE_NAME:?not set: run by azd after it pushed the silo image}"
echo "rolling $SERVICE_SILO_IMAGE_NAME out to every silo app"
exec azd provision --no-prompt ${AZURE_ENV_NAME:+--environment "$AZURE_ENV_NAME"}
