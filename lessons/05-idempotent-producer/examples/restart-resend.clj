;; Idempotence ends where the producer instance ends (the Clojure twin of restart-resend.py).
;;
;; An application sends orders with an idempotent producer and saves a checkpoint every 50 orders.
;; It dies after order 80, before its next checkpoint. The restarted application opens a NEW
;; producer and, to be safe, sends everything after the last checkpoint again. The new producer has
;; a new producer id, so its sequence numbers start again at zero: the broker has no way to see
;; that orders 51-80 are repeats.
(ns restart-resend
  (:gen-class)
  (:import (java.util Properties)
           (org.apache.kafka.clients.producer Callback KafkaProducer ProducerConfig ProducerRecord RecordMetadata)
           (org.apache.kafka.common.serialization StringSerializer)))

(def topic "orders")
(def total 100)
(def checkpoint-every 50)
(def crash-after 80)

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

(defn send-orders
  "Send orders first..last; return the last checkpoint reached."
  [first-id last-id crash-at]
  (let [config (doto (Properties.)
                 (.put ProducerConfig/BOOTSTRAP_SERVERS_CONFIG (System/getenv "BOOTSTRAP_SERVERS"))
                 (.put ProducerConfig/KEY_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                 (.put ProducerConfig/VALUE_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                 (.put ProducerConfig/ENABLE_IDEMPOTENCE_CONFIG "true"))]   ; the kafka-clients default, spelled out
    ;; with-open closes the producer; that changes nothing here: everything was flushed, and the
    ;; next producer gets a new producer id whether or not this one said goodbye.
    (with-open [producer (KafkaProducer. config)]
      (loop [i first-id
             checkpoint (dec first-id)]
        (if (> i last-id)
          (do (.flush producer) last-id)
          (let [order-id (str "order-" i)]
            (say "sent " order-id)
            (.send producer (ProducerRecord. ^String topic order-id) (report order-id))
            (let [checkpoint (if (zero? (mod i checkpoint-every))
                               (do (.flush producer)
                                   (say "checkpoint: orders up to " i " are in Kafka")
                                   i)
                               checkpoint)]
              (if (= i crash-at)
                (do (.flush producer)
                    (say "crash after order-" i "; last checkpoint was order-" checkpoint)
                    checkpoint)
                (recur (inc i) checkpoint)))))))))

(defn -main [& _]
  (let [checkpoint (send-orders 1 total crash-after)]
    (say "-- restarted: a new producer resends everything after order-" checkpoint)
    (send-orders (inc checkpoint) total nil)))
