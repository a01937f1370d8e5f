# The Airflow image with tthc-sync installed: every Airflow service of docker-compose.yml runs it.
FROM apache/airflow:3.3.2

USER root
# Scanned decisions need OCR (tesseract with Vietnamese); legacy .doc files need LibreOffice.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-vie \
    fonts-dejavu-core libreoffice-writer-nogui \
 && rm -rf /var/lib/apt/lists/*
COPY --chown=airflow:root . /opt/tthc
USER airflow
# Editable, so the suites, the bundled dataset and the migrations stay where settings look.
RUN pip install --no-cache-dir -e /opt/tthc

ENV TTHC_HOME=/opt/tthc
WORKDIR /opt/airflow
