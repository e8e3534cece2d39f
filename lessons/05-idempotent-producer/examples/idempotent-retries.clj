;; The same lost acknowledgement as in lesson 3, with enable.idempotence=true
;; (the Clojure twin of idempotent-retries.py).
;;
;; The producer gets a producer id from the cluster and numbers every batch it sends to a
;; partition. When the answer to a batch is lost and the producer sends it again, the leader
;; recognises the sequence number, writes nothing, and answers with the offset of the first copy.
(ns idempotent-retries
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
                 ;; kafka-clients turns this on by default (since 3.0); spelled out, as the lesson is about it.
                 ;; It implies acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5.
                 (.put ProducerConfig/ENABLE_IDEMPOTENCE_CONFIG "true"))
        producer (KafkaProducer. config)]
    (doseq [i (range 1 (inc total))]
      (let [order-id (str "order-" i)]
        (say "sent " order-id)
        (.send producer (ProducerRecord. ^String topic order-id) (report order-id))
        (Thread/sleep 5)))
    (.close producer (Duration/ofSeconds 20))
    (say "done: " total " sent")))
