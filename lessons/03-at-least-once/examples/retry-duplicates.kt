// At-least-once on the producer side: acks=all, retries on, idempotence off
// (the Kotlin twin of retry-duplicates.py).
//
// The scenario first drops a Produce request unapplied: the producer gets no answer, retries, and
// the orders arrive once. Later it applies a request and loses the answer: the producer retries
// that too, and now the leader has the batch twice.
@file:JvmName("RetryDuplicates")

import java.time.Duration
import java.util.Properties
import org.apache.kafka.clients.producer.KafkaProducer
import org.apache.kafka.clients.producer.ProducerConfig
import org.apache.kafka.clients.producer.ProducerRecord
import org.apache.kafka.common.serialization.StringSerializer

const val TOPIC = "orders"
const val COUNT = 200

fun main() {
    val config = Properties().apply {
        put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"))
        put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.ACKS_CONFIG, "all")                 // wait until every in-sync replica has it
        put(ProducerConfig.RETRIES_CONFIG, Int.MAX_VALUE)      // retry until delivery.timeout.ms runs out
        put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000)  // the limit for one message, retries included
        // kafka-clients refuses a delivery.timeout.ms below linger.ms + request.timeout.ms (30 s by default).
        put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000)
        // On by default in kafka-clients (off in confluent-kafka): this lesson is about retries without it.
        put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false)
    }
    val producer = KafkaProducer<String, String>(config)
    for (i in 1..COUNT) {
        val orderId = "order-$i"
        println("sent $orderId")
        producer.send(ProducerRecord(TOPIC, orderId)) { metadata, error ->
            if (error != null) println("failed $orderId ${error.javaClass.simpleName}")
            else println("acked $orderId ${metadata.partition()} ${metadata.offset()}")
        }
        Thread.sleep(5)
    }
    producer.close(Duration.ofSeconds(20))
    println("done: $COUNT sent")
}
