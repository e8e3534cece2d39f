;; At-most-once on the producer side: acks=0, no retries (the Clojure twin of fire-and-forget.py).
;;
;; The scenario throws away three Produce requests without writing them. With acks=0 the broker
;; never answers anyway, so the producer has nothing to wait for and nothing to retry: every
;; callback says "delivered", with offset -1 because the broker never said where it wrote it.
(ns fire-and-forget
  (:gen-class)
  (:import (java.time Duration)
           (java.util Properties)
           (org.apache.kafka.clients.producer Callback KafkaProducer ProducerConfig ProducerRecord RecordMetadata)
           (org.apache.kafka.common.serialization StringSerializer)))

(def topic "clicks")
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
                 (.put ProducerConfig/ACKS_CONFIG "0")      ; do not wait for any answer from the broker
                 (.put ProducerConfig/RETRIES_CONFIG "0")   ; and never send anything twice
                 ;; Idempotence needs acks=all; kafka-clients would drop it silently for acks=0.
                 (.put ProducerConfig/ENABLE_IDEMPOTENCE_CONFIG "false"))
        producer (KafkaProducer. config)]
    (doseq [i (range 1 (inc total))]
      (let [click-id (str "click-" i)]
        (say "sent " click-id)   ; printed first: the callback may run before send returns
        (.send producer (ProducerRecord. ^String topic click-id) (report click-id))
        (Thread/sleep 5)))
    (.close producer (Duration/ofSeconds 15))
    (say "done: " total " sent, no errors reported")))
