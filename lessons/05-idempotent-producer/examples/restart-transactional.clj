;; The same restart, with a transactional.id: the resend is safe (the Clojure twin of restart-transactional.py).
;;
;; The application from restart-resend, changed in two places: its producer has a transactional.id
;; that stays the same across restarts, and each checkpoint is a transaction commit. It dies after
;; order 80 with the second transaction open. The restarted application creates its producer with
;; the SAME transactional.id: initTransactions bumps the epoch and aborts what the old instance left
;; open, so orders 51-80 of the first attempt are never shown to a read_committed reader. Then it
;; sends everything after the last checkpoint again, in a new transaction. The crash is simulated:
;; the first producer is flushed and abandoned with its transaction open.
(ns restart-transactional
  (:gen-class)
  (:import (java.util Properties)
           (org.apache.kafka.clients.producer Callback KafkaProducer ProducerConfig ProducerRecord RecordMetadata)
           (org.apache.kafka.common.serialization StringSerializer)))

(def topic "orders")
(def total 100)
(def checkpoint-every 50)
(def crash-after 80)
(def abandoned (atom []))   ; a dead process sends no abort

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
  "Send orders first..last, one transaction per checkpoint; return the last checkpoint."
  [first-id last-id crash-at]
  (let [producer (KafkaProducer. (doto (Properties.)
                                   (.put ProducerConfig/BOOTSTRAP_SERVERS_CONFIG (System/getenv "BOOTSTRAP_SERVERS"))
                                   (.put ProducerConfig/KEY_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                                   (.put ProducerConfig/VALUE_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                                   ;; the same in every run of this application
                                   (.put ProducerConfig/TRANSACTIONAL_ID_CONFIG "order-sender")
                                   (.put ProducerConfig/MAX_BLOCK_MS_CONFIG "10000")))]   ; transaction calls wait at most 10 s
    (.initTransactions producer)   ; aborts whatever an earlier instance left open
    (.beginTransaction producer)
    (loop [i first-id
           checkpoint (dec first-id)]
      (if (> i last-id)
        (do (.close producer) last-id)
        (let [order-id (str "order-" i)]
          (say "sent " order-id)
          (.send producer (ProducerRecord. ^String topic order-id) (report order-id))
          (let [checkpoint (if (zero? (mod i checkpoint-every))
                             (do (.commitTransaction producer)   ; the checkpoint: these orders now count
                                 (say "checkpoint: orders up to " i " are committed")
                                 (when (< i last-id) (.beginTransaction producer))
                                 i)
                             checkpoint)]
            (if (= i crash-at)
              (do (.flush producer)   ; written and acknowledged, but not committed
                  (say "crash after order-" i "; last checkpoint was order-" checkpoint)
                  (swap! abandoned conj producer)
                  checkpoint)
              (recur (inc i) checkpoint))))))))

(defn -main [& _]
  (let [checkpoint (send-orders 1 total crash-after)]
    (say "-- restarted with the same transactional.id: resending everything after order-" checkpoint)
    (send-orders (inc checkpoint) total nil)))
