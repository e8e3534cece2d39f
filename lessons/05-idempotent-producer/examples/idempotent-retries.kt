// The same lost acknowledgement as in lesson 3, with enable.idempotence=true
// (the Kotlin twin of idempotent-retries.py).
//
// The producer gets a producer id from the cluster and numbers every batch it sends to a
// partition. When the answer to a batch is lost and the producer sends it again, the leader
// recognises the sequence number, writes nothing, and answers with the offset of the first copy.
@file:JvmName("IdempotentRetries")

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
        // kafka-clients turns this on by default (since 3.0); spelled out, as the lesson is about it.
        // It implies acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5.
        put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
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
