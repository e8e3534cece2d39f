;; At-least-once on the producer side: acks=all, retries on, idempotence off
;; (the Clojure twin of retry-duplicates.py).
;;
;; The scenario first drops a Produce request unapplied: the producer gets no answer, retries, and
;; the orders arrive once. Later it applies a request and loses the answer: the producer retries
;; that too, and now the leader has the batch twice.
(ns retry-duplicates
  (:gen-class)
  (:import (java.time Duration)
           (java.util Properties)
           (org.apache.kafka.clients.producer Callback KafkaProducer ProducerConfig ProducerRecord RecordMetadata)
           (org.apache.kafka.common.serialization StringSerializer)))

(def topic "orders")
(def total 200)

(defn say
  "One whole line per call: the producer's callbacks print from its own thread."
  [& parts]
  (.println System/out ^String (apply str parts)))

(defn report [id]
  (reify Callback
    (onCompletion [_ metadata error]
      (if error
        (say "failed " id " " (.getSimpleName (class error)))
        (say "acked " id " " (.partition ^RecordMetadata metadata) " " (.offset ^RecordMetadata metadata))))))

(defn -main [& _]
  (let [config (doto (Properties.)
                 (.put ProducerConfig/BOOTSTRAP_SERVERS_CONFIG (System/getenv "BOOTSTRAP_SERVERS"))
                 (.put ProducerConfig/KEY_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                 (.put ProducerConfig/VALUE_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                 (.put ProducerConfig/ACKS_CONFIG "all")                       ; every in-sync replica has it
                 (.put ProducerConfig/RETRIES_CONFIG (str Integer/MAX_VALUE))  ; retry until the delivery timeout
                 (.put ProducerConfig/DELIVERY_TIMEOUT_MS_CONFIG "30000")      ; one message's limit, retries included
                 ;; kafka-clients refuses a delivery timeout below linger.ms + request.timeout.ms (30 s by default).
                 (.put ProducerConfig/REQUEST_TIMEOUT_MS_CONFIG "15000")
                 ;; On by default in kafka-clients (off in confluent-kafka): this lesson is about retries without it.
                 (.put ProducerConfig/ENABLE_IDEMPOTENCE_CONFIG "false"))
        producer (KafkaProducer. config)]
    (doseq [i (range 1 (inc total))]
      (let [order-id (str "order-" i)]
        (say "sent " order-id)
        (.send producer (ProducerRecord. ^String topic order-id) (report order-id))
        (Thread/sleep 5)))
    (.close producer (Duration/ofSeconds 20))
    (say "done: " total " sent")))
